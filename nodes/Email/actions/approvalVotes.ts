/**
 * Who may answer a Send Email and Wait question (Approval, Free Text), how many answers it takes,
 * and the record of every answer. Pure logic: the node keeps an `ApprovalState` with the waiting
 * execution and asks `decide` after each answer.
 */

/** One recorded answer; `by` is the recipient the link was made for, whoever clicked it. */
export interface Vote {
	by: string;
	approved?: boolean;
	text?: string;
	at: string;
	ip: string;
	user_agent: string;
}

/** The question one item's mail asked, as it was sent (shown on the page instead of re-evaluating parameters). */
export interface SentQuestion {
	subject: string;
	text: string;
	sent_message_id: string;
}

export interface ApprovalState {
	/** `first`, `all`, or how many answers. */
	required: 'first' | 'all' | number;
	rejectOnAnyReject: boolean;
	/** Every recipient asked, lower-cased, once each. */
	voters: string[];
	votes: Vote[];
	/** Per item of the node run. */
	questions: SentQuestion[];
	/** ISO time the wait ends on its own. */
	until: string;
	/** Set by the webhook when an answer was recorded but more are needed: the node waits again. */
	waitAgain?: boolean;
}

export type Outcome = { done: false } | { done: true; approved?: boolean; text?: string; by: string };

/** Reads the Approvals Required option: `first`, `all` or a whole number of at least 1. */
export function parseApprovalsRequired(value: unknown): ApprovalState['required'] | undefined {
	const text = String(value ?? 'first')
		.trim()
		.toLowerCase();
	if (text === '' || text === 'first') return 'first';
	if (text === 'all') return 'all';
	if (!/^\d+$/.test(text) || Number(text) < 1) return undefined;
	return Number(text) === 1 ? 'first' : Number(text);
}

/** The number of answers that ends the wait. */
export function answersNeeded(state: Pick<ApprovalState, 'required' | 'voters'>): number {
	if (state.required === 'first') return 1;
	if (state.required === 'all') return state.voters.length;
	return Math.min(state.required, state.voters.length);
}

/**
 * Whether the answers so far end the wait, and how. One answer decides with `first`. With `all` or
 * N, a reject ends it rejected unless `rejectOnAnyReject` is off; then it ends rejected only once
 * too few people are left to reach N approvals. A free-text wait ends at N texts.
 */
export function decide(
	state: Pick<ApprovalState, 'required' | 'voters' | 'rejectOnAnyReject'>,
	votes: Vote[],
): Outcome {
	const last = votes[votes.length - 1];
	if (!last) return { done: false };
	const needed = answersNeeded(state);
	if (last.text !== undefined) {
		return votes.length >= needed ? { done: true, text: last.text, by: last.by } : { done: false };
	}
	const rejects = votes.filter((vote) => vote.approved === false).length;
	const approvals = votes.length - rejects;
	if (rejects > 0 && (state.required === 'first' || state.rejectOnAnyReject)) {
		return { done: true, approved: false, by: last.by };
	}
	if (approvals >= needed) return { done: true, approved: true, by: last.by };
	if (state.voters.length - rejects < needed) return { done: true, approved: false, by: last.by };
	return { done: false };
}

/** The answer a recipient already gave, if any. */
export function voteOf(votes: Vote[], recipient: string): Vote | undefined {
	return votes.find((vote) => vote.by === recipient);
}
