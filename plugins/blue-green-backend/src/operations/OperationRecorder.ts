import {
  AuditorService,
  AuditorServiceEvent,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  isError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { Request } from 'express';
import {
  HistoryStore,
  NewHistoryEntry,
  Outcome,
} from '../database/HistoryStore';
import { Announcer } from './Announcer';

/** Who asks for an operation. */
export type Caller = {
  credentials: BackstageCredentials;
  /** The HTTP request, for the audit event; absent for actions and background work. */
  request?: Request;
};

/**
 * An operation as history records it: who does what to which entity — and who hears about it
 * (`audience`, entity refs of users and groups; not stored).
 */
export type Operation = NewHistoryEntry & { audience?: string[] };

/** How an operation shows in the audit log. */
export type AuditOf = {
  eventId: 'color-switch' | 'color-deploy' | 'checklist-sign-off';
  severityLevel: 'low' | 'medium' | 'high' | 'critical';
  meta?: Record<string, unknown>;
};

/** The identity written to history: a user or service entity ref. */
export function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as any;
  if (principal?.type === 'user') return principal.userEntityRef;
  if (principal?.type === 'service') return principal.subject;
  return 'anonymous';
}

export const errorMessage = (error: unknown) =>
  isError(error) ? error.message : String(error);

/** The same kind of error (so the same HTTP status), saying what the cluster shows now. */
export function withClusterState(error: unknown, cluster: string): Error {
  const text = `${errorMessage(error)} (${cluster})`;
  if (error instanceof ConflictError) return new ConflictError(text);
  if (error instanceof ServiceUnavailableError) {
    return new ServiceUnavailableError(text);
  }
  return isError(error) ? error : new Error(text);
}

/** An operation under way: its history entry and its audit event. */
export type Recording = {
  entry: HistoryEntry;
  audit: AuditorServiceEvent;
  audience: string[];
};

/**
 * Records every operation in one way: its history entry (started before anything is written, so
 * a crash leaves it in progress and the sweep marks it interrupted), its audit event, and a signal
 * to the entity's open tabs.
 */
export class OperationRecorder {
  readonly #history: HistoryStore;
  readonly #auditor: AuditorService;
  readonly #announcer: Announcer;

  constructor(options: {
    history: HistoryStore;
    auditor: AuditorService;
    announcer: Announcer;
  }) {
    this.#history = options.history;
    this.#auditor = options.auditor;
    this.#announcer = options.announcer;
  }

  /** An operation that ended before anything was written: refused, or failed reading the cluster. */
  async ended(
    operation: Operation,
    outcome: 'refused' | 'failed',
    error: string,
    details?: Record<string, unknown>,
  ): Promise<HistoryEntry> {
    return this.#history.record(
      {
        ...operation,
        error,
        ...(details && { details: { ...operation.details, ...details } }),
      },
      outcome,
    );
  }

  /**
   * Starts an operation: its history entry, then its audit event — and, with `signal`, the signal
   * that it started, sent together with the audit event.
   */
  async start(
    operation: Operation,
    audit: AuditOf,
    caller?: Caller,
    options: { signal?: boolean } = {},
  ): Promise<Recording> {
    const audience = operation.audience ?? [];
    const entry = await this.#history.start(operation);
    const [event] = await Promise.all([
      this.#auditor.createEvent({
        eventId: audit.eventId,
        severityLevel: audit.severityLevel,
        request: caller?.request,
        meta: {
          actionType: operation.action,
          entityRef: operation.entityRef,
          ...audit.meta,
          historyId: entry.id,
        },
      }),
      options.signal &&
        this.#announcer.changed(entry.entityRef, { entry }, audience),
    ]);
    return { entry, audit: event, audience };
  }

  /** Ends a started operation in history (details merged into those it started with). */
  finish(
    recording: Recording,
    result: {
      outcome: Outcome;
      error?: string;
      details?: Record<string, unknown>;
    },
  ): Promise<HistoryEntry> {
    return this.#history.finish(recording.entry, result);
  }

  /** A started operation that failed: history, the audit event, and a signal. */
  async fail(
    recording: Recording,
    error: unknown,
    result: {
      outcome: 'failed' | 'refused';
      details?: Record<string, unknown>;
    },
  ): Promise<HistoryEntry> {
    const finished = await this.finish(recording, {
      ...result,
      error: errorMessage(error),
    });
    await recording.audit.fail({
      error: isError(error) ? error : new Error(errorMessage(error)),
    });
    await this.#announcer.changed(
      finished.entityRef,
      { entry: finished },
      recording.audience,
    );
    return finished;
  }

  /**
   * A single-request operation (scale, preview route, mirror): started, `work` done, ended —
   * succeeded with the details `work` returns, or failed with its error, which is thrown on.
   */
  async run(
    operation: Operation,
    audit: AuditOf,
    caller: Caller | undefined,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<HistoryEntry> {
    const recording = await this.start(operation, audit, caller);
    let details: Record<string, unknown>;
    try {
      details = await work();
    } catch (error) {
      await this.fail(recording, error, { outcome: 'failed' });
      throw error;
    }
    const finished = await this.finish(recording, {
      outcome: 'succeeded',
      details,
    });
    await recording.audit.success();
    await this.#announcer.changed(
      finished.entityRef,
      { entry: finished },
      recording.audience,
    );
    return finished;
  }

  /**
   * Waits until an operation (run by this or another backend replica) has ended, polling its
   * history entry; undefined when it has not ended within `timeoutMs`.
   */
  async waitForEnd(
    id: string,
    timeoutMs: number,
  ): Promise<HistoryEntry | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entry = await this.#history.get(id);
      if (entry && entry.outcome !== 'in-progress') return entry;
      if (Date.now() >= deadline) return undefined;
      await new Promise(r => setTimeout(r, 200));
    }
  }

  /** An operation done in one step (a sign-off): history, audit and signal. */
  async done(
    operation: Operation,
    audit: AuditOf,
    caller?: Caller,
  ): Promise<HistoryEntry> {
    const entry = await this.#history.record(operation, 'succeeded');
    await this.#auditor
      .createEvent({
        eventId: audit.eventId,
        severityLevel: audit.severityLevel,
        request: caller?.request,
        meta: {
          actionType: operation.action,
          entityRef: operation.entityRef,
          ...audit.meta,
        },
      })
      .then(event => event.success());
    await this.#announcer.changed(
      entry.entityRef,
      { entry },
      operation.audience ?? [],
    );
    return entry;
  }
}
