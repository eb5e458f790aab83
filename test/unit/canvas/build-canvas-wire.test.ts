import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildChainWire, buildChordWire, buildGroupWire } from '../../../src/canvas/build-canvas-wire';
import { buildSignatureWire } from '../../../src/canvas/signature';
import type { SignatureWire } from '../../../src/protocol/task-message';

// Vectors: the dicts Python's celery.canvas builds for the same canvases
// (interop-tests/python/canvas_build_capture.py, Celery 5.6.2).
const py = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'python-canvas-build.json'), 'utf8')) as Record<string, SignatureWire>;
const s = (name: string, ...args: unknown[]): SignatureWire => buildSignatureWire(`t.${name}`, { args });

describe('buildCanvasWire: the dicts celery.canvas builds', () => {
  it.each<[string, () => SignatureWire]>([
    ['signature', () => s('add', 1, 2)],
    ['signature_options', () => buildSignatureWire('t.add', { args: [1], kwargs: { y: 2 }, options: { queue: 'q', countdown: 3 } })],
    ['immutable', () => buildSignatureWire('t.add', { args: [1, 2], immutable: true })],
    ['chain3', () => buildChainWire([s('add', 1, 2), s('add', 3), s('add', 4)])],
    ['chain_nested', () => buildChainWire([buildChainWire([s('add', 1, 1), s('add', 2)]), s('add', 3)])],
    ['group2', () => buildGroupWire([s('add', 1, 1), s('add', 2, 2)])],
    ['chord2', () => buildChordWire([s('add', 1, 1), s('add', 2, 2)], s('tsum'))],
    ['chain_group_task', () => buildChainWire([s('add', 1, 1), buildGroupWire([s('add', 2), s('add', 3)]), s('tsum')])],
    ['chain_group_task_task', () => buildChainWire([buildGroupWire([s('add', 2, 2), s('add', 3, 3)]), s('tsum'), s('add', 1)])],
    ['chain_one_group', () => buildChainWire([s('add', 1, 1), buildGroupWire([s('add', 2)])])],
    ['chain_chord_task', () => buildChainWire([buildChordWire([s('add', 1, 1)], s('tsum')), s('add', 5)])],
    ['chain_ends_group', () => buildChainWire([s('add', 1, 1), buildGroupWire([s('add', 2), s('add', 3)])])],
  ])('%s equals Python', (name, build) => {
    expect(build()).toEqual(py[name]);
  });

  it('does not change the signatures it is given (Python clones on |)', () => {
    const g = buildGroupWire([s('add', 2), s('add', 3)]);
    const before = JSON.stringify(g);
    buildChainWire([s('add', 1, 1), g, s('tsum')]);
    expect(JSON.stringify(g)).toBe(before);
  });
});
