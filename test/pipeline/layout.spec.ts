import { describe, expect, it } from 'vitest';

import {
  DEFAULT_LAYOUT,
  fitLayout,
  layoutDag,
  MIN_NODE_WIDTH,
  MIN_SCALE,
  pathOf
} from '../../src/pipeline/layout';

const byName = (layout: ReturnType<typeof layoutDag>) =>
  Object.fromEntries(layout.nodes.map(node => [node.name, node]));

describe('layoutDag()', () => {
  it('should put a chain in one column, parents above children', () => {
    const layout = layoutDag(
      ['load', 'train', 'evaluate'],
      [
        ['load', 'train'],
        ['train', 'evaluate']
      ]
    );
    const nodes = byName(layout);
    expect(nodes.load.y).toBeLessThan(nodes.train.y);
    expect(nodes.train.y).toBeLessThan(nodes.evaluate.y);
    expect(new Set(layout.nodes.map(node => node.x)).size).toBe(1);
    // One column fits the default sidebar.
    expect(layout.width).toBe(
      DEFAULT_LAYOUT.nodeWidth + 2 * DEFAULT_LAYOUT.margin
    );
    for (const edge of layout.edges) {
      const [first, last] = [
        edge.points[0],
        edge.points[edge.points.length - 1]
      ];
      expect(first.y).toBeLessThan(last.y);
    }
  });

  it('should put independent steps side by side in one rank', () => {
    const layout = layoutDag(
      ['load', 'a', 'b', 'join'],
      [
        ['load', 'a'],
        ['load', 'b'],
        ['a', 'join'],
        ['b', 'join']
      ]
    );
    const nodes = byName(layout);
    expect(nodes.a.y).toBe(nodes.b.y);
    expect(nodes.a.x).not.toBe(nodes.b.x);
    // Boxes never overlap.
    expect(Math.abs(nodes.a.x - nodes.b.x)).toBeGreaterThanOrEqual(
      DEFAULT_LAYOUT.nodeWidth
    );
    expect(layout.edges).toHaveLength(4);
  });

  it('should draw steps without edges, and no edge twice or to nowhere', () => {
    const layout = layoutDag(
      ['a', 'b'],
      [
        ['a', 'b'],
        ['a', 'b'],
        ['a', 'ghost'],
        ['b', 'b']
      ]
    );
    expect(layout.nodes.map(node => node.name)).toEqual(['a', 'b']);
    expect(layout.edges.map(edge => [edge.from, edge.to])).toEqual([
      ['a', 'b']
    ]);
    expect(layoutDag(['alone'], []).nodes).toHaveLength(1);
    expect(layoutDag([], [])).toEqual({
      width: 0,
      height: 0,
      nodes: [],
      edges: []
    });
  });

  it('should lay out a cycle without hanging (the graph reports it)', () => {
    const layout = layoutDag(
      ['a', 'b'],
      [
        ['a', 'b'],
        ['b', 'a']
      ]
    );
    expect(layout.nodes).toHaveLength(2);
    expect(layout.edges).toHaveLength(2);
  });

  it('should lay out 200 steps quickly', () => {
    const names = Array.from({ length: 200 }, (_, i) => `step_${i}`);
    const edges = names
      .slice(1)
      .map((name, i): [string, string] => [names[Math.floor(i / 2)], name]);
    const layout = layoutDag(names, edges);
    expect(layout.nodes).toHaveLength(200);
    expect(layout.edges).toHaveLength(199);
    expect(Number.isFinite(layout.width)).toBe(true);
  });
});

describe('pathOf()', () => {
  it('should write a polyline', () => {
    expect(
      pathOf([
        { x: 1.04, y: 2 },
        { x: 3, y: 4.26 }
      ])
    ).toBe('M1 2 L3 4.3');
    expect(pathOf([])).toBe('');
  });
});

describe('fitLayout()', () => {
  const fan = (width: number) => {
    const names = ['load', ...Array.from({ length: width }, (_, i) => `m${i}`)];
    return {
      names,
      edges: names.slice(1).map((name): [string, string] => ['load', name])
    };
  };

  it('should keep a drawing that fits as it is', () => {
    const { names, edges } = fan(1);
    const { layout, scale } = fitLayout(names, edges, 250);
    expect(scale).toBe(1);
    expect(layout.nodes[0].width).toBe(DEFAULT_LAYOUT.nodeWidth);
  });

  it('should narrow the boxes, then scale, a wide rank', () => {
    const { names, edges } = fan(2);
    // Two boxes of 168 do not fit 250; two narrower ones do.
    const two = fitLayout(names, edges, 250);
    expect(two.layout.nodes[1].width).toBeLessThan(DEFAULT_LAYOUT.nodeWidth);
    expect(two.layout.width).toBeLessThanOrEqual(250);
    expect(two.scale).toBe(1);
    // Five: the narrowest boxes, and the drawing scaled down, no further
    // than the smallest scale (the rest scrolls).
    const five = fitLayout(fan(5).names, fan(5).edges, 250);
    expect(five.layout.nodes[1].width).toBe(MIN_NODE_WIDTH);
    expect(five.scale).toBeLessThan(1);
    expect(five.scale).toBeGreaterThanOrEqual(MIN_SCALE);
    const twenty = fitLayout(fan(20).names, fan(20).edges, 250);
    expect(twenty.scale).toBe(MIN_SCALE);
    // Nothing to fit in: drawn as it is.
    expect(fitLayout(names, edges, 0).scale).toBe(1);
  });
});
