/**
 * Readable experiment names ("brisk-otter-7f"), derived from the id so the
 * same experiment always gets the same default name.
 */

const ADJECTIVES = [
  'amber',
  'bold',
  'brisk',
  'calm',
  'clever',
  'crisp',
  'daring',
  'eager',
  'fair',
  'fuzzy',
  'gentle',
  'glad',
  'golden',
  'humble',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'mellow',
  'merry',
  'nimble',
  'noble',
  'plucky',
  'proud',
  'quick',
  'quiet',
  'rapid',
  'ready',
  'rosy',
  'sharp',
  'shiny',
  'silent',
  'sleek',
  'snowy',
  'steady',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'witty'
];

const NOUNS = [
  'otter',
  'heron',
  'lynx',
  'falcon',
  'badger',
  'beaver',
  'bison',
  'crane',
  'dolphin',
  'eagle',
  'ferret',
  'finch',
  'gecko',
  'hare',
  'ibis',
  'jaguar',
  'koala',
  'lemur',
  'marten',
  'moose',
  'newt',
  'ocelot',
  'orca',
  'owl',
  'panda',
  'puffin',
  'quail',
  'raven',
  'robin',
  'salmon',
  'seal',
  'sparrow',
  'stork',
  'swan',
  'tapir',
  'tiger',
  'walrus',
  'weasel',
  'wren',
  'yak'
];

/**
 * The default name of the experiment with this ULID.
 */
export function experimentName(id: string): string {
  // The random part of a ULID starts at character 10.
  let hash = 0;
  for (const char of id.slice(10)) {
    hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  }
  const adjective = ADJECTIVES[hash % ADJECTIVES.length];
  const noun = NOUNS[Math.floor(hash / ADJECTIVES.length) % NOUNS.length];
  return `${adjective}-${noun}-${id.slice(-2).toLowerCase()}`;
}
