import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One Redis list element captured from Python Celery by scripts/capture-fixtures.py. */
export interface CapturedElement {
  key: string;
  raw: string;
}

/** A producer fixture file: what one Python call pushed to Redis. */
export interface ProducerFixture {
  name: string;
  description: string;
  elements: CapturedElement[];
  otherKeys: Record<string, unknown>;
}

const DIR = join(__dirname, '..', '..', 'fixtures', 'python');

/** Every producer fixture, by name (`v01-plain`, ...). */
export function loadProducerFixtures(): Map<string, ProducerFixture> {
  const out = new Map<string, ProducerFixture>();
  for (const file of readdirSync(DIR).filter((f) => f.startsWith('v') && f.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as ProducerFixture;
    out.set(fixture.name, fixture);
  }
  return out;
}

/** The result metas a Python worker stored: key → raw JSON text. */
export function loadPythonMetas(): Record<string, string> {
  return (JSON.parse(readFileSync(join(DIR, 'metas.json'), 'utf8')) as { metas: Record<string, string> }).metas;
}

/** The fixture named, or a thrown error naming it. */
export function fixture(all: Map<string, ProducerFixture>, name: string): ProducerFixture {
  const f = all.get(name);
  if (!f) throw new Error(`fixture ${name} missing; run scripts/capture-fixtures.py`);
  return f;
}
