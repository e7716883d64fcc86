// The console's only way to the server: the /v1 API of the gateway that
// served the page, with the token kept in sessionStorage (never in a URL:
// WebSockets carry it as a subprotocol, as Kubernetes does).

export interface Session {
  token: string;
  org: string;
}

const sessionKey = 'stax.console.session';

export function currentSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(sessionKey) || 'null');
    return s && typeof s.token === 'string' && typeof s.org === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(sessionKey, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(sessionKey);
}

// tokenOrganization reads, unverified, the org claim of a MicroStax token
// to fill in the organization; the server verifies both.
export function tokenOrganization(token: string): string {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
    return typeof claims.org === 'string' ? claims.org : '';
  } catch {
    return '';
  }
}

export interface Cause {
  field?: string;
  message?: string;
  reason?: string;
}

// ApiError is a refusal of the gateway: its status, reason and the field
// causes of a 422.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: Cause[] = [],
  ) {
    super(message);
  }
}

// A refused session (401) signs the console out, with the server's words.
export const signedOut = new EventTarget();

export interface Answer<T> {
  data: T;
  headers: Headers;
}

export async function call<T>(
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; session?: Session } = {},
): Promise<Answer<T>> {
  const s = opts.session || currentSession();
  if (!s) throw new ApiError(401, 'Unauthorized', 'not signed in');
  const headers: Record<string, string> = { Authorization: `Bearer ${s.token}`, 'X-Organization-ID': s.org };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  let resp: Response;
  try {
    resp = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `the gateway could not be reached (${(e as Error).message})`);
  }
  let env: { data?: T; error?: { reason?: string; message?: string; details?: { causes?: Cause[] } } } = {};
  try {
    env = await resp.json();
  } catch {
    /* not an envelope: the status speaks */
  }
  if (!resp.ok) {
    const e = env.error || {};
    const err = new ApiError(resp.status, e.reason || resp.statusText, e.message || `${method} ${path}: ${resp.status}`, e.details?.causes || []);
    if (resp.status === 401 && !opts.session) signedOut.dispatchEvent(new CustomEvent('signedout', { detail: err.message }));
    throw err;
  }
  return { data: env.data as T, headers: resp.headers };
}

function base64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// stream opens one of the gateway's WebSockets: path like
// /v1/environments/shop/logstream, params its query (the organization is
// added). onClose gets the server's reason ("environment deleted").
export function stream(
  path: string,
  params: Record<string, string>,
  onMessage: (text: string) => void,
  onClose: (reason: string, code: number) => void,
): WebSocket | null {
  const s = currentSession();
  if (!s) return null;
  const q = new URLSearchParams({ ...params, organization: s.org });
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}?${q}`;
  const ws = new WebSocket(url, [`base64url.bearer.authorization.k8s.io.${base64url(s.token)}`, 'stax.v1']);
  ws.onmessage = (ev) => onMessage(typeof ev.data === 'string' ? ev.data : '');
  ws.onclose = (ev) => onClose(ev.reason, ev.code);
  return ws;
}

// Shapes of the /v1 answers the console reads.

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ServiceStatus {
  name: string;
  desiredReplicas: number;
  readyReplicas: number;
  health?: string;
  endpoint?: string;
  restarts?: number;
  message?: string;
  source?: 'own' | 'shared'; // on an overlay
}

export interface EnvironmentStatus {
  phase?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  services?: ServiceStatus[];
  startedAt?: string;
  stoppedAt?: string;
  expirationTime?: string;
  idleShutdownTime?: string;
}

export interface ObjectMeta {
  name: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
  generation?: number;
}

export interface Environment {
  metadata: ObjectMeta;
  spec: {
    displayName?: string;
    paused?: boolean;
    blueprint: { services: { name: string; replicas?: number }[] };
    baselineRef?: { name: string };
    shadow?: ShadowSettings; // of an overlay
  };
  status?: EnvironmentStatus;
}

export interface EnvironmentSummary {
  state: 'active' | 'historical';
  name: string;
  uid?: string;
  displayName?: string;
  createdBy?: string;
  createdAt?: string;
  deletedAt?: string;
  services?: number;
  phase?: string;
  record?: string;
  healthyServices?: number; // of an active environment
  baseline?: string; // of an overlay
}

export interface Progress {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  phase?: string;
  generation?: number;
  observedGeneration?: number;
  conditions?: Condition[];
  services?: ServiceStatus[];
}

export interface Baseline {
  metadata: ObjectMeta;
  spec: { environmentRef: { name: string } };
  status?: { phase?: string; overlays?: number; blueprint?: { services?: { name: string }[] } };
}

// listEnvironments reads every page of GET /v1/environments.
export async function listEnvironments(state = ''): Promise<EnvironmentSummary[]> {
  let items: EnvironmentSummary[] = [];
  let next = '';
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (state) q.set('state', state);
    if (next) q.set('continue', next);
    const { data } = await call<{ items: EnvironmentSummary[]; continue?: string }>('GET', `/v1/environments?${q}`);
    items = items.concat(data.items);
    next = data.continue || '';
  } while (next);
  return items;
}

// The overlay request's short form (docs/branching.md).
export interface ServiceChange {
  name: string;
  image?: string;
  env?: { name: string; value: string }[];
}

export interface OverlayRequest {
  name: string;
  displayName?: string;
  services: ServiceChange[];
}

// GET /v1/organization/usage (docs/usage.md): amounts are decimal strings.
export interface ResourceUsage {
  cpuCoreHours: string;
  memoryGiBHours: string;
  replicaHours: string;
}

export interface UsageGroup {
  key?: string;
  usage: ResourceUsage;
  cost: string;
}

export interface CostRange {
  expected: string;
  low?: string;
  high?: string;
}

export interface ForecastFigures {
  restOfMonth: CostRange;
  next30Days: CostRange;
}

export interface OrganizationUsage {
  start: string;
  end: string;
  aggregate: string;
  pricing: { currency?: string };
  total: UsageGroup;
  groups?: UsageGroup[];
  series?: (UsageGroup & { start: string })[];
  forecast: {
    runRate: ForecastFigures;
    trend?: ForecastFigures & {
      model: string;
      historyDays: number;
      backTest?: { days: number; meanAbsoluteError: string; meanAbsolutePercentageError: string; coverage: string };
    };
    message?: string;
  };
  savings: {
    stops: string;
    overlays: string;
    recommendations?: { environment: string; reason: string; message: string; next30Days: string }[];
  };
}

// POST /v1/environments/{id}/diagnose (docs/diagnose.md).
export interface Finding {
  analyzer: string;
  service?: string;
  severity: string;
  cause: string;
  evidence?: string[];
  rootCause?: string;
  symptom?: boolean;
  remediation: { action: string; service?: string; description: string };
}

export interface Remediation {
  time: string;
  action: string;
  service?: string;
  analyzer?: string;
  result: string;
  message?: string;
}

export interface Diagnosis {
  status: {
    phase?: string;
    rootCauses?: string[];
    findings?: Finding[];
    remediations?: Remediation[];
  };
}

export const envPath = (name: string) => `/v1/environments/${encodeURIComponent(name)}`;

// spec.shadow of an overlay, as PATCH /v1/environments/{id}/shadow answers
// it (docs/shadow.md, "Shadow settings"); only the fields the console shows.
export interface ShadowSettings {
  enabled?: boolean;
  percent?: number;
  services?: string[];
  methods?: string[];
  since?: string;
}

// GET /v1/environments/{id}/diffs: the overlay's EnvironmentDiff. Rates are
// decimals from 0 to 1 as strings; example values are JSON as text.
export interface DiffExample {
  request: string;
  primary?: string;
  candidate?: string;
}

export interface FieldDiff {
  field: string;
  kind?: string;
  raw: number;
  noise: number;
  rawRate: string;
  noiseRate: string;
  verdict: string;
  examples?: DiffExample[];
}

export interface EndpointDiff {
  endpoint: string;
  requests: number;
  lastSeen?: string;
  fields?: FieldDiff[];
}

export interface EnvironmentDiff {
  metadata: ObjectMeta;
  report: { since?: string; updated?: string; endpoints?: EndpointDiff[] };
}
