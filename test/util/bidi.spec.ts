import { describe, expect, it } from 'vitest';

import {
  BIDI_CONTROLS,
  hasBidiControls,
  showBidiControls,
  slot,
  splitBidiControls,
  splitSlots
} from '../../src/util/bidi';

const ALL = [
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066,
  0x2067, 0x2068, 0x2069
];

const hex = (code: number) =>
  `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

describe('splitBidiControls()', () => {
  it('should turn every bidi control into its own named marker', () => {
    expect([...BIDI_CONTROLS.keys()].map(c => c.charCodeAt(0))).toEqual(ALL);
    for (const code of ALL) {
      const char = String.fromCharCode(code);
      expect(hasBidiControls(`a${char}b`)).toBe(true);
      const parts = splitBidiControls(`a${char}b`);
      expect(parts).toEqual([
        { text: 'a' },
        {
          text: `⟨${hex(code)}⟩`,
          control: { code: hex(code), name: BIDI_CONTROLS.get(char) }
        },
        { text: 'b' }
      ]);
      expect(parts[1].control?.name).toMatch(/^[A-Z -]+$/);
    }
    expect(BIDI_CONTROLS.get('\u202E')).toBe('RIGHT-TO-LEFT OVERRIDE');
  });

  it('should leave other text alone, neighbours included', () => {
    for (const text of [
      '',
      'brave-otter-7',
      'שלום עולם',
      'مرحبا',
      '\u200B\u200C\u200D\u2060\u2028\u00AD',
      '\u202F\u2065\u206A\u061B\u061D'
    ]) {
      expect(hasBidiControls(text)).toBe(false);
      expect(splitBidiControls(text)).toEqual(text ? [{ text }] : []);
      expect(showBidiControls(text)).toBe(text);
    }
  });

  it('should split runs of controls, at the ends and back to back', () => {
    expect(
      splitBidiControls('\u202E\u2066x\u2069').map(part => part.text)
    ).toEqual(['⟨U+202E⟩', '⟨U+2066⟩', 'x', '⟨U+2069⟩']);
    expect(showBidiControls('invoice\u202Etxt.exe')).toBe(
      'invoice⟨U+202E⟩txt.exe'
    );
  });

  it('should keep surrogate pairs whole', () => {
    const text = '😀\u202E𝒳\u200F😀';
    const parts = splitBidiControls(text);
    expect(parts.map(part => part.text)).toEqual([
      '😀',
      '⟨U+202E⟩',
      '𝒳',
      '⟨U+200F⟩',
      '😀'
    ]);
    // A lone surrogate is not a control and stays as it was.
    expect(showBidiControls('\uD83D\u202E\uDE00')).toBe('\uD83D⟨U+202E⟩\uDE00');
  });

  it('should handle long strings in linear time', () => {
    const chunk = `${'x'.repeat(999)}\u202E`;
    const text = chunk.repeat(2000);
    const started = performance.now();
    const parts = splitBidiControls(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(parts).toHaveLength(4000);
    expect(parts.filter(part => part.control)).toHaveLength(2000);
    expect(
      showBidiControls(text).length - text.length + 2000 /* the controls */
    ).toBe(2000 * '⟨U+202E⟩'.length);
    const plain = 'y'.repeat(1_000_000);
    expect(splitBidiControls(plain)).toEqual([{ text: plain }]);
  });
});

describe('splitSlots()', () => {
  it('should find the slots of a sentence in the translation’s order', () => {
    expect(splitSlots(`Snapshot ${slot(0)} at ${slot(1)}`)).toEqual([
      'Snapshot ',
      0,
      ' at ',
      1
    ]);
    expect(splitSlots(`${slot(1)} ← ${slot(0)}`)).toEqual([1, ' ← ', 0]);
    expect(splitSlots('no slots')).toEqual(['no slots']);
    expect(splitSlots('')).toEqual([]);
  });
});
