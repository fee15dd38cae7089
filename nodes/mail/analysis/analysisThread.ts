/**
 * The triggers' Analyze on a thread of its own (docs/DESIGN.md, "Analyze on a thread"). Analysing a
 * mail costs about as much CPU as fetching and parsing it; on n8n's main thread it would hold up the
 * poll, the editor and every webhook meanwhile. So the trigger hands each parsed mail over and
 * fetches the next one while the thread analyses; the cycle waits for every answer before it emits.
 * The parse is handed over, not the bytes: a mail is still parsed once.
 *
 * One thread per process serves every trigger. At most MAX_IN_FLIGHT mails (MAX_IN_FLIGHT_BYTES of
 * them) are under way, so a large cycle is not held twice. A thread that dies (a hostile mail that
 * exhausts its heap) or hangs fails only the mails under way, each with an `error`; the next mail
 * starts a new thread, and n8n keeps running. Where the thread's code is not built (ts-jest runs the
 * sources) or the options carry a function (a test's DNS stand-in), the analysis runs in place.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { ParsedMail } from '../message';
import { analyzeEmail, type AnalyzeOptions, type EmailAnalysis } from './index';

/** What the trigger's item carries as `analysis`: the analysis, or why there is none. */
export type AnalysisAnswer = EmailAnalysis | { error: string };

export interface AnalysisRequest {
	id: number;
	optionsId: number;
	mail: ParsedMail;
}

export interface AnalysisReply {
	id: number;
	analysis?: EmailAnalysis;
	error?: string;
	/** Sent once, when the thread has loaded the analysis. */
	ready?: true;
}

/** Options sent once and then named by their id; without `options`, the thread forgets them. */
export interface OptionsMessage {
	optionsId: number;
	options?: AnalyzeOptions;
}

const THREAD_CODE = path.join(__dirname, 'analysisThreadMain.js');
const THREAD_BUILT = existsSync(THREAD_CODE);
const MAX_IN_FLIGHT = 16;
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
/** Option sets the thread keeps: one per trigger configuration in use. */
const MAX_OPTION_SETS = 32;
/** An analysis keeps its own budgets (images, archives, .msg); past this the thread is taken as stuck. */
export const ANSWER_TIMEOUT_MS = 120_000;

interface Waiting {
	resolve: (answer: AnalysisAnswer) => void;
	bytes: number;
	timer: NodeJS.Timeout;
	/** Kept until answered, to be analysed in place should the thread not even start. */
	mail: ParsedMail;
	options: AnalyzeOptions;
}

/** Set when a thread could not be started or failed before it loaded: this process analyses in place. */
let threadUnavailable = !THREAD_BUILT;

class AnalysisThread {
	stopped = false;

	/** Whether the thread loaded the analysis: a failure before that is the set-up's, not a mail's. */
	private ready = false;

	private readonly worker = new Worker(THREAD_CODE);

	private readonly waiting = new Map<number, Waiting>();

	/** Option sets by their JSON, oldest first; an object's JSON is remembered so it is written once. */
	private readonly optionIds = new Map<string, number>();

	private readonly keys = new WeakMap<AnalyzeOptions, string>();

	private readonly room: Array<() => void> = [];

	private nextId = 1;

	private bytes = 0;

	constructor() {
		// Idle, it must not keep n8n (or a test run) from exiting; while mails are under way it does.
		this.worker.unref();
		this.worker.on('message', (reply: AnalysisReply) => {
			if (reply.ready) this.ready = true;
			else this.settle(reply.id, reply.analysis ?? { error: reply.error ?? 'The analysis gave no answer.' });
		});
		this.worker.on('error', (error: Error) => this.stop(`The analysis thread failed: ${error.message}`));
		this.worker.on('exit', (code) => this.stop(`The analysis thread stopped (exit code ${code}).`));
	}

	/** Hands a mail over once there is room; undefined when the thread stopped before it could. */
	async analyze(mail: ParsedMail, options: AnalyzeOptions): Promise<{ answer: Promise<AnalysisAnswer> } | undefined> {
		const bytes = mail.source.length * 2;
		while (
			!this.stopped &&
			this.waiting.size > 0 &&
			(this.waiting.size >= MAX_IN_FLIGHT || this.bytes + bytes > MAX_IN_FLIGHT_BYTES)
		)
			await new Promise<void>((resolve) => this.room.push(resolve));
		if (this.stopped) return undefined;
		const optionsId = this.optionsIdOf(options);
		const id = this.nextId++;
		const answer = new Promise<AnalysisAnswer>((resolve) => {
			const timer = setTimeout(
				() => this.stop(`The analysis took longer than ${ANSWER_TIMEOUT_MS / 1000} s and was stopped.`),
				ANSWER_TIMEOUT_MS,
			);
			this.waiting.set(id, { resolve, bytes, timer, mail, options });
		});
		this.bytes += bytes;
		if (this.waiting.size === 1) this.worker.ref();
		const request: AnalysisRequest = {
			id,
			optionsId,
			mail: { source: mail.source, email: mail.email, error: mail.error },
		};
		this.worker.postMessage(request);
		return { answer };
	}

	private optionsIdOf(options: AnalyzeOptions): number {
		let key = this.keys.get(options);
		if (key === undefined) {
			key = JSON.stringify(options);
			this.keys.set(options, key);
		}
		const known = this.optionIds.get(key);
		if (known !== undefined) return known;
		if (this.optionIds.size >= MAX_OPTION_SETS) {
			const [oldestKey, oldestId] = this.optionIds.entries().next().value as [string, number];
			this.optionIds.delete(oldestKey);
			this.worker.postMessage({ optionsId: oldestId } satisfies OptionsMessage);
		}
		const optionsId = this.nextId++;
		this.optionIds.set(key, optionsId);
		this.worker.postMessage({ optionsId, options } satisfies OptionsMessage);
		return optionsId;
	}

	private settle(id: number, answer: AnalysisAnswer): void {
		const waiting = this.waiting.get(id);
		if (!waiting) return;
		clearTimeout(waiting.timer);
		this.waiting.delete(id);
		this.bytes -= waiting.bytes;
		if (this.waiting.size === 0) this.worker.unref();
		waiting.resolve(answer);
		this.room.shift()?.();
	}

	private stop(reason: string): void {
		if (this.stopped) return;
		this.stopped = true;
		if (!this.ready) threadUnavailable = true;
		for (const [id, { mail, options }] of [...this.waiting.entries()]) {
			if (this.ready) this.settle(id, { error: reason });
			else void analyzeInPlace(mail, options).then((answer) => this.settle(id, answer));
		}
		for (const wake of this.room.splice(0)) wake();
		void this.worker.terminate();
	}
}

let thread: AnalysisThread | undefined;

function analyzeInPlace(mail: ParsedMail, options: AnalyzeOptions): Promise<AnalysisAnswer> {
	return analyzeEmail(mail, options).then(
		(result) => result.analysis,
		(error: Error) => ({ error: error.message }),
	);
}

/**
 * Starts the analysis of a parsed mail for the trigger's item: on the analysis thread when it can,
 * else in place. Resolves once the mail is handed over (there is room), with its answer to come,
 * which never fails: an analysis that cannot be made is `{error}`.
 */
export async function analyzeAside(
	mail: ParsedMail,
	options: AnalyzeOptions,
): Promise<{ answer: Promise<AnalysisAnswer> }> {
	const cloneable = Object.values(options).every((value) => typeof value !== 'function');
	while (!threadUnavailable && cloneable) {
		try {
			if (!thread || thread.stopped) thread = new AnalysisThread();
		} catch {
			threadUnavailable = true;
			break;
		}
		const handed = await thread.analyze(mail, options);
		if (handed) return handed;
	}
	// In place, the analysis is done before the next mail is fetched, as it was before the thread.
	return { answer: Promise.resolve(await analyzeInPlace(mail, options)) };
}
