/** The RFC 9457 problem document Herald answers errors with; `type` is stable per error (https://herald.dev/problems/…). */
export interface HeraldProblem {
  type: string;
  title: string;
  status: number;
  detail?: string | null;
  instance?: string | null;
  /** Input errors: the messages per field (a JSON path such as recipient_ids[3]). */
  errors?: Record<string, string[]>;
  /** The W3C trace id of the request, for the logs. */
  trace_id?: string;
  [extension: string]: unknown;
}

/** A request Herald answered with an error status; carries the problem document's fields. */
export class HeraldApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  readonly errors: Record<string, string[]>;
  readonly traceId: string | undefined;
  /** The whole problem document as received (with any extension members). */
  readonly problem: HeraldProblem;

  constructor(problem: HeraldProblem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'HeraldApiError';
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail ?? undefined;
    this.instance = problem.instance ?? undefined;
    this.errors = problem.errors ?? {};
    this.traceId = problem.trace_id;
  }

  /** The error for an answer openapi-fetch reported as failed: its parsed body, or the status alone when that is no problem document. */
  static from(response: Response, body: unknown): HeraldApiError {
    if (isProblem(body)) return new HeraldApiError({ ...body, status: body.status || response.status });
    return new HeraldApiError({
      type: 'about:blank',
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: typeof body === 'string' && body !== '' ? body : null,
    });
  }
}

function isProblem(body: unknown): body is HeraldProblem {
  return typeof body === 'object' && body !== null && typeof (body as HeraldProblem).type === 'string' && typeof (body as HeraldProblem).title === 'string';
}
