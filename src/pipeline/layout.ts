import dagre from '@dagrejs/dagre';

/**
 * The layout of a pipeline's DAG for the Pipeline panel, by dagre (the
 * layered layout JupyterLab-adjacent tools use: Elyra, Kale's UI). Pure:
 * names and edges in, boxes and edge polylines out; the panel draws them as
 * SVG. Top to bottom, since the sidebar is tall and narrow.
 */

/** A step's box: its centre and size. */
export interface INodeBox {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An edge as the points of a polyline from parent to child. */
export interface IEdgePath {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

/** The whole drawing's size, boxes and edges. */
export interface IDagLayout {
  width: number;
  height: number;
  nodes: INodeBox[];
  edges: IEdgePath[];
}

/** Sizes of the layout, in SVG units (CSS pixels at scale 1). */
export interface ILayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  /** Space between boxes of one rank. */
  nodeSep: number;
  /** Space between ranks. */
  rankSep: number;
  /** Space around the drawing. */
  margin: number;
}

/** Sizes that fit the default sidebar (about 250 px) with one column. */
export const DEFAULT_LAYOUT: ILayoutOptions = {
  nodeWidth: 168,
  nodeHeight: 40,
  nodeSep: 16,
  rankSep: 28,
  margin: 8
};

/**
 * Lay out steps and edges. An edge naming an unknown step is left out (the
 * graph's diagnostics report it); repeated edges are drawn once. Steps
 * keep the order given within a rank where dagre lets them (notebook
 * order), so the drawing does not jump when a tag changes elsewhere.
 */
export function layoutDag(
  names: readonly string[],
  edges: readonly (readonly [string, string])[],
  options: ILayoutOptions = DEFAULT_LAYOUT
): IDagLayout {
  if (names.length === 0) {
    return { width: 0, height: 0, nodes: [], edges: [] };
  }
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({
    rankdir: 'TB',
    nodesep: options.nodeSep,
    ranksep: options.rankSep,
    marginx: options.margin,
    marginy: options.margin
  });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(names);
  for (const name of names) {
    graph.setNode(name, {
      width: options.nodeWidth,
      height: options.nodeHeight
    });
  }
  const drawn: [string, string][] = [];
  for (const [from, to] of edges) {
    if (
      known.has(from) &&
      known.has(to) &&
      from !== to &&
      !graph.hasEdge(from, to)
    ) {
      graph.setEdge(from, to);
      drawn.push([from, to]);
    }
  }
  dagre.layout(graph);
  const label = graph.graph();
  return {
    width: label.width ?? 0,
    height: label.height ?? 0,
    nodes: names.map(name => {
      const node = graph.node(name);
      return {
        name,
        x: node.x,
        y: node.y,
        width: node.width,
        height: node.height
      };
    }),
    edges: drawn.map(([from, to]) => ({
      from,
      to,
      points: (graph.edge(from, to).points ?? []).map(
        ({ x, y }: { x: number; y: number }) => ({
          x,
          y
        })
      )
    }))
  };
}

/**
 * An SVG path of a polyline (`M x y L x y …`), numbers rounded to 0.1.
 */
export function pathOf(points: readonly { x: number; y: number }[]): string {
  const round = (value: number) => Math.round(value * 10) / 10;
  return points
    .map(
      (point, index) =>
        `${index === 0 ? 'M' : 'L'}${round(point.x)} ${round(point.y)}`
    )
    .join(' ');
}

/** The narrowest a step's box gets when a rank has many steps. */
export const MIN_NODE_WIDTH = 96;

/** The smallest scale a drawing is shown at to fit; wider ones scroll. */
export const MIN_SCALE = 0.6;

/**
 * A layout that fits `available` pixels of width where it can: boxes
 * narrow (down to `MIN_NODE_WIDTH`) when a rank holds many steps, then the
 * drawing is scaled down (down to `MIN_SCALE`); what is still wider
 * scrolls. Answers the layout and the scale to draw it at.
 */
export function fitLayout(
  names: readonly string[],
  edges: readonly (readonly [string, string])[],
  available: number,
  options: ILayoutOptions = DEFAULT_LAYOUT
): { layout: IDagLayout; scale: number } {
  let layout = layoutDag(names, edges, options);
  if (layout.width > available && available > 0) {
    // The widest rank: the most boxes at one height.
    const perRank = new Map<number, number>();
    for (const node of layout.nodes) {
      perRank.set(node.y, (perRank.get(node.y) ?? 0) + 1);
    }
    const widest = Math.max(...perRank.values());
    const room =
      (available - 2 * options.margin - (widest - 1) * options.nodeSep) /
      widest;
    const nodeWidth = Math.max(
      MIN_NODE_WIDTH,
      Math.min(options.nodeWidth, Math.floor(room))
    );
    if (nodeWidth < options.nodeWidth) {
      layout = layoutDag(names, edges, { ...options, nodeWidth });
    }
  }
  const scale =
    layout.width > available && available > 0
      ? Math.max(MIN_SCALE, available / layout.width)
      : 1;
  return { layout, scale };
}
