/**
 * Where a folder's reading stands: the highest UID already emitted, valid only under the folder's
 * UIDVALIDITY (a string: imapflow gives a BigInt, static data must stay JSON).
 *
 * UIDs only grow within one UIDVALIDITY, so "emit UIDs above lastUid, oldest first, then move
 * lastUid to the last one emitted" emits every message once: a message is either at or below the
 * cursor (emitted, or gone) or above it (next cycle). Nothing else is remembered per message.
 */
export interface FolderCursor {
	uidValidity: string;
	lastUid: number;
	/** Emitted UIDs whose \Seen flag a failed connection kept from the server: set again next cycle. */
	unflagged?: number[];
	/** Emitted UIDs a failed move after the cycle left in the folder: moved next cycle (Move to Folder). */
	unmoved?: number[];
	/** Emitted UIDs already copied to Move to Folder whose removal here was cut (no MOVE): only removed next cycle. */
	unexpunged?: number[];
}

export type FolderCursors = Record<string, FolderCursor>;

/** The lowest UID not yet emitted. A new UIDVALIDITY voids the old UIDs: start from 1 again. */
export function firstPendingUid(cursor: FolderCursor | undefined, uidValidity: string): number {
	if (!cursor || cursor.uidValidity !== uidValidity) return 1;
	return cursor.lastUid + 1;
}

/**
 * The UIDs a search found that still wait, oldest first, at most `limit`. The server's answer to
 * `n:*` always includes the highest UID even when it is below n (RFC 3501 6.4.8), so it is
 * filtered again here.
 */
export function pendingUids(found: number[], fromUid: number, limit: number): number[] {
	return [...new Set(found)]
		.filter((uid) => uid >= fromUid)
		.sort((a, b) => a - b)
		.slice(0, Math.max(0, limit));
}

/** What each pending UID became in this cycle; `excluded`: read, left out by the trigger's filters, passed. */
export type UidOutcome = 'emitted' | 'excluded' | 'gone' | 'not-reached';

/**
 * The exactly-once step: walks the pending UIDs in order and moves the cursor past each one that
 * was emitted or no longer exists, stopping at the first one not reached (out of time or failed),
 * which is then read again next cycle.
 */
export function advanceCursor(
	cursor: FolderCursor | undefined,
	uidValidity: string,
	pending: number[],
	outcome: (uid: number) => UidOutcome,
): FolderCursor {
	let lastUid = firstPendingUid(cursor, uidValidity) - 1;
	for (const uid of pending) {
		if (outcome(uid) === 'not-reached') break;
		lastUid = uid;
	}
	return { uidValidity, lastUid };
}

/** The cursor, carrying the UIDs still to be flagged \Seen when there are any. */
export function withUnflagged(cursor: FolderCursor, unflagged: number[]): FolderCursor {
	return unflagged.length > 0 ? { ...cursor, unflagged } : cursor;
}

/** The cursor, carrying the UIDs whose move is still to be done or finished, when there are any. */
export function withPendingMoves(
	cursor: FolderCursor,
	pending: { unmoved: number[]; unexpunged: number[] },
): FolderCursor {
	return {
		...cursor,
		...(pending.unmoved.length > 0 ? { unmoved: pending.unmoved } : {}),
		...(pending.unexpunged.length > 0 ? { unexpunged: pending.unexpunged } : {}),
	};
}
