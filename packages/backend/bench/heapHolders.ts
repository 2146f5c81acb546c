/**
 * What holds a backend's live heap, from a V8 heap snapshot (`.heapsnapshot`): retained sizes
 * (what would be freed with the object, computed from the dominator tree as Chrome DevTools
 * does) of the fleet's long-lived structures, and how much of the heap is code and source text
 * (modules loaded, e.g. on a backend's first cluster connection, not data).
 */
import { readFileSync } from 'node:fs';

const MB = 2 ** 20;

type Snapshot = {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
};

/** The fleet's structures kept between calls: `FleetService` and each of its private fields. */
const OWNER = 'FleetService';

export function heapHolders(file: string) {
  const data: Snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const meta = data.snapshot.meta;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const N_TYPE = meta.node_fields.indexOf('type');
  const N_NAME = meta.node_fields.indexOf('name');
  const N_SIZE = meta.node_fields.indexOf('self_size');
  const N_EDGES = meta.node_fields.indexOf('edge_count');
  const E_TYPE = meta.edge_fields.indexOf('type');
  const E_NAME = meta.edge_fields.indexOf('name_or_index');
  const E_TO = meta.edge_fields.indexOf('to_node');
  const WEAK = edgeTypes.indexOf('weak');
  const { nodes, edges, strings } = data;
  const count = nodes.length / NF;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * NF + N_EDGES] * EF;
  }
  firstEdge[count] = edges.length;
  const typeOf = (n: number) => nodeTypes[nodes[n * NF + N_TYPE]];
  const nameOf = (n: number) => strings[nodes[n * NF + N_NAME]];
  const sizeOf = (n: number) => nodes[n * NF + N_SIZE];
  const strong = (e: number) => edges[e + E_TYPE] !== WEAK;
  const target = (e: number) => edges[e + E_TO] / NF;

  // Post-order of a depth-first walk from the root (node 0), over strong edges.
  const postIndex = new Int32Array(count).fill(-1);
  const order: number[] = [];
  const next = new Uint32Array(count);
  const seen = new Uint8Array(count);
  const stack = [0];
  seen[0] = 1;
  next[0] = firstEdge[0];
  while (stack.length) {
    const n = stack[stack.length - 1];
    let descended = false;
    while (next[n] < firstEdge[n + 1]) {
      const e = next[n];
      next[n] += EF;
      const to = target(e);
      if (!strong(e) || seen[to]) continue;
      seen[to] = 1;
      next[to] = firstEdge[to];
      stack.push(to);
      descended = true;
      break;
    }
    if (!descended) {
      stack.pop();
      postIndex[n] = order.length;
      order.push(n);
    }
  }
  // Predecessors, then immediate dominators (Cooper, Harvey and Kennedy's iteration).
  const predStart = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) {
    if (!seen[n]) continue;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
      if (strong(e)) predStart[target(e) + 1]++;
    }
  }
  for (let i = 0; i < count; i++) predStart[i + 1] += predStart[i];
  const preds = new Uint32Array(predStart[count]);
  const fill = predStart.slice();
  for (let n = 0; n < count; n++) {
    if (!seen[n]) continue;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
      if (strong(e)) preds[fill[target(e)]++] = n;
    }
  }
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    let x = a;
    let y = b;
    while (x !== y) {
      while (postIndex[x] < postIndex[y]) x = idom[x];
      while (postIndex[y] < postIndex[x]) y = idom[y];
    }
    return x;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const n = order[i];
      let dominator = -1;
      for (let p = predStart[n]; p < predStart[n + 1]; p++) {
        const q = preds[p];
        if (idom[q] === -1) continue;
        dominator = dominator === -1 ? q : intersect(q, dominator);
      }
      if (dominator !== -1 && idom[n] !== dominator) {
        idom[n] = dominator;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  for (const n of order) {
    retained[n] += sizeOf(n);
    if (n !== 0) retained[idom[n]] += retained[n];
  }

  let code = 0;
  for (let n = 0; n < count; n++) {
    if (!seen[n]) continue;
    if (typeOf(n) === 'code') code += sizeOf(n);
    // A script's source text.
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
      if (strings[edges[e + E_NAME]] === 'source' && typeOf(n) === 'code') {
        code += sizeOf(target(e));
      }
    }
  }

  const holders: Array<{ holder: string; mb: number }> = [];
  for (let n = 0; n < count; n++) {
    if (!seen[n] || typeOf(n) !== 'object' || nameOf(n) !== OWNER) continue;
    holders.push({ holder: OWNER, mb: retained[n] / MB });
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
      const field = strings[edges[e + E_NAME]];
      if (typeof field !== 'string' || !field.startsWith('#')) continue;
      const to = target(e);
      // Only what the field alone holds (another holder may share it).
      if (idom[to] !== n) continue;
      holders.push({ holder: `${OWNER}.${field}`, mb: retained[to] / MB });
    }
  }
  return {
    totalMb: retained[0] / MB,
    codeMb: code / MB,
    holders: holders.filter(h => h.mb >= 0.05),
  };
}
