// Client generation from `GET /openapi.json` of a real `qe serve`: the document is valid OpenAPI 3.1, every
// example spec in specs/ matches its operation's request-body schema, the bodies and answers are typed, and an
// Angular client generated with ng-openapi-gen (the command in docs/clients.md) type-checks under `tsc --strict`
// with a usage file that submits every example spec and reads status, trials, stats and profiles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { startServer } from './harness.mjs';

const here = new URL('.', import.meta.url).pathname;
const specsDir = resolve(here, '../specs');
const nodeModules = join(here, 'node_modules');

// The operation a spec file posts to, by its name (the rule of engine/src/examples.rs and specs/README.md).
const operationOf = (file) => file.startsWith('stats') ? '/stats/run'
  : file.startsWith('seasonality_optimize') ? '/seasonality/optimize'
  : file.startsWith('seasonality') ? '/seasonality/run' : '/submit';
// specs/examples/ holds only the bar data the specs read; the specs are the top-level files.
const specFiles = readdirSync(specsDir).filter((f) => f.endsWith('.json')).sort();
const readSpec = (file) => JSON.parse(readFileSync(join(specsDir, file), 'utf8'));

let doc, work;
const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item)
  .filter(([method]) => ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method))
  .map(([method, op]) => ({ path, method, op })));
before(async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.base}/openapi.json`);
    assert.equal(res.status, 200);
    doc = await res.json();
  } finally {
    await server.stop();
  }
  work = mkdtempSync(join(tmpdir(), 'qe-openapi-'));
});
after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

test('GET /openapi.json is a valid OpenAPI 3.1 document', async () => {
  assert.match(doc.openapi, /^3\.1\./);
  const validator = new Validator();
  const res = await validator.validate(doc);
  assert.ok(res.valid, `invalid OpenAPI document:\n${JSON.stringify(res.errors, null, 2)}`);
  assert.equal(validator.version, '3.1');
  const ids = operations().map(({ op }) => op.operationId);
  for (const id of ['submit', 'status', 'result', 'trials', 'stats', 'stats_run', 'seasonality_run',
    'seasonality_optimize', 'seasonality_profiles']) assert.ok(ids.includes(id), `no operation ${id}`);
  // The 3.1 document schema leaves Schema Objects unchecked: each component must be valid JSON Schema 2020-12.
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const bad = Object.entries(doc.components?.schemas ?? {}).filter(([, s]) => !ajv.validateSchema(s))
    .map(([name]) => `${name}: ${ajv.errorsText()}`);
  assert.deepEqual(bad, [], `invalid component schemas:\n${bad.join('\n')}`);
});

test('every example spec matches the request-body schema of its operation', async (t) => {
  assert.ok(specFiles.length >= 4, `too few specs in ${specsDir}`);
  // The whole document as one JSON Schema 2020-12 resource, so `#/components/schemas/X` references resolve.
  // Formats (int64, double, …) are annotations in 2020-12 and are not asserted.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  const pointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  for (const file of specFiles) {
    const path = operationOf(file);
    await t.test(`${file} → POST ${path}`, () => {
      assert.ok(doc.paths[path]?.post?.requestBody?.content?.['application/json']?.schema,
        `POST ${path} has no application/json request body schema`);
      const validate = ajv.compile({
        $ref: `openapi.json#/paths/${pointer(path)}/post/requestBody/content/application~1json/schema`,
      });
      const errors = validate(readSpec(file)) ? [] : validate.errors
        .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
      assert.deepEqual(errors, [], `${file} does not match:\n${errors.join('\n')}`);
    });
  }
});

// A bare `{"type": "object"}` becomes `Object` / `{}` in generated clients. The only ones left are listed here
// (the list must shrink, never grow): the levels bodies, which the server never reads (that module is not
// configured), and the result documents, whose types are issue 24's next step.

test('no request body or 200/202 answer is an untyped object', () => {
  const resolveRef = (s) => s?.$ref?.startsWith('#/components/schemas/')
    ? doc.components.schemas[s.$ref.slice('#/components/schemas/'.length)] : s;
  const untyped = (s) => {
    s = resolveRef(s);
    const types = [s?.type].flat();
    return types.includes('object') && !['properties', 'additionalProperties', 'patternProperties', 'allOf',
      'oneOf', 'anyOf', '$ref'].some((k) => k in s);
  };
  const found = [];
  for (const { path, method, op } of operations()) {
    const where = `${op.operationId} (${method.toUpperCase()} ${path})`;
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      if (untyped(media.schema)) found.push(`${where}: request body ${type}`);
    }
    for (const status of ['200', '202']) {
      for (const [type, media] of Object.entries(op.responses?.[status]?.content ?? {})) {
        if (untyped(media.schema)) found.push(`${where}: ${status} ${type}`);
      }
    }
  }
  assert.deepEqual(found, [], `untyped object schemas:\n${found.join('\n')}`);
});

// What an Angular app writes against the generated client (type-checked only, never run). Every example
// spec is inlined as a literal typed with its operation's generated request-body type.
function usageSource() {
  const call = { '/submit': 'submit', '/stats/run': 'statsRun', '/seasonality/run': 'seasonalityRun',
    '/seasonality/optimize': 'seasonalityOptimize' };
  const paramsType = (fn) => `${fn[0].toUpperCase()}${fn.slice(1)}$Params`;
  const specs = specFiles.map((file) => ({ name: file.replace(/\.json$/, '').replace(/\W/g, '_'),
    fn: call[operationOf(file)], json: JSON.stringify(readSpec(file), null, 2) }));
  return `import { Api } from './api/api';
import { ${Object.values(call).join(', ')}, status, result, statsResult, trials$Json, stats$Json, seasonalityProfiles$Json } from './api/functions';
import type { ${Object.values(call).map(paramsType).join(', ')} } from './api/functions';
import type { StatusAnswer, TrialRow, StoredStatRow, StoredProfile, OptimizeResult } from './api/models';
import { JobsService } from './api/services';

${specs.map((s) => `const ${s.name}: ${paramsType(s.fn)}['body'] = ${s.json};`).join('\n\n')}

/** The job id of a 202 (\`Prefer: respond-async\`) answer. */
async function queued(answer: Promise<unknown>): Promise<string> {
  return ((await answer) as { id: string }).id;
}

export async function useQuantEngine(api: Api, jobs: JobsService): Promise<number> {
  const ids: string[] = [
${specs.map((s) => `    await queued(api.invoke(${s.fn}, { body: ${s.name}, Prefer: 'respond-async' })),`).join('\n')}
  ];
  const states: string[] = [];
  for (const id of ids) {
    const state: StatusAnswer = await api.invoke(status, { id });
    states.push(state.status, (await jobs.status({ id })).status);
  }
  const trials: TrialRow[] = await api.invoke(trials$Json, { id: ids[0], order_by: 'sharpe.desc', page: 1, page_size: 10 });
  const best: number | null | undefined = trials[0]?.objective_value;
  const stats: StoredStatRow[] = await api.invoke(stats$Json, { symbol: 'EURUSD', page_size: 50 });
  const lifts: number[] = stats.map((row) => row.lift);
  const profiles: StoredProfile[] = await api.invoke(seasonalityProfiles$Json, { symbol: 'EURUSD', dim: 'hour' });
  const scores: (number | null | undefined)[] = profiles.map((row) => row.score);
  const optimized = (await api.invoke(result, { id: ids[0] })).result as OptimizeResult | null | undefined;
  const bestSharpe: number | undefined = optimized?.best?.metrics.sharpe;
  const folds: number = optimized?.walk_forward.folds.length ?? 0;
  const columns: string[] = (await api.invoke(statsResult, {})).result?.columns ?? [];
  return (best ?? 0) + (bestSharpe ?? 0) + folds + columns.length + lifts.length + scores.length + states.length;
}
`;
}

test('an Angular client generated with ng-openapi-gen type-checks with a usage file (tsc --strict)', (t) => {
  writeFileSync(join(work, 'openapi.json'), JSON.stringify(doc, null, 2));
  const gen = spawnSync(process.execPath, [join(nodeModules, 'ng-openapi-gen/lib/index.js'),
    '--input', 'openapi.json', '--output', 'api', '--services', 'true'], { cwd: work, encoding: 'utf8' });
  const genOut = `${gen.stdout}${gen.stderr}`;
  // ng-openapi-gen prints `Error on API generation: …` and still exits 0.
  assert.ok(gen.status === 0 && !/Error on API generation/.test(genOut) && existsSync(join(work, 'api/functions.ts')),
    `ng-openapi-gen failed:\n${genOut}`);
  const warnings = genOut.split('\n').filter((l) => /warn|ignor|assum|unsupported/i.test(l));
  for (const w of warnings) t.diagnostic(`ng-openapi-gen: ${w}`);

  writeFileSync(join(work, 'usage.ts'), usageSource());
  // The settings of a new Angular project's tsconfig, type-checking only.
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'preserve', lib: ['ES2022', 'DOM'],
      experimentalDecorators: true, isolatedModules: true, skipLibCheck: true, types: [], noImplicitOverride: true,
      noPropertyAccessFromIndexSignature: true, noImplicitReturns: true, noFallthroughCasesInSwitch: true },
    include: ['api/**/*.ts', 'usage.ts'],
  }));
  symlinkSync(nodeModules, join(work, 'node_modules'));
  const tsc = spawnSync(process.execPath, [join(nodeModules, 'typescript/bin/tsc'), '-p', work],
    { cwd: work, encoding: 'utf8' });
  assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
});
