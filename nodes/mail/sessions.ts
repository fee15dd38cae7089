import { createHash } from 'node:crypto';

import type { ImapFlow } from 'imapflow';

import type { MailAccount } from './account';
import { closeImap, connectImap, workFailure } from './connection';

/** Kept this long after the first cycle, before the owner's interval is known, and at least this long after any. */
const FIRST_KEEP_MS = 2 * 60_000;
/** Never kept longer: servers log idle sessions out after 30 minutes (RFC 3501), some much sooner. */
const MAX_KEEP_MS = 10 * 60_000;
/** A kept session is kept this much longer than the owner's last interval, for a late cycle. */
const KEEP_SLACK = 1.5;
/** Kept sessions in all: past this, the one unused longest is logged out. */
const MAX_SESSIONS = 1000;

interface KeptSession {
	client: ImapFlow;
	/** The account it logged in with: a changed credential never reuses it. */
	fingerprint: string;
	lastUsed: number;
	timer?: NodeJS.Timeout;
}

/** Everything that decides who the session is logged in as and where. */
const IDENTITY_FIELDS = [
	'imapHost',
	'imapPort',
	'imapSecurity',
	'username',
	'password',
	'accessToken',
	'allowUnauthorizedCerts',
	'ca',
	'proxyAddress',
	'proxyUsername',
	'proxyPassword',
] as const satisfies ReadonlyArray<keyof MailAccount>;

function fingerprintOf(account: MailAccount): string {
	const identity = JSON.stringify(
		IDENTITY_FIELDS.map((field) => (field === 'ca' ? String(account.ca ?? '') : account[field])),
	);
	return createHash('sha256').update(identity).digest('hex');
}

/**
 * IMAP sessions kept open between the cycles of one owner (a trigger of one workflow), so that a
 * trigger polling every minute logs in once, not every minute. One session per owner, never shared
 * with another owner or another credential. A kept session waits in IDLE for the owner's interval
 * with some slack (at most MAX_KEEP_MS), is checked with a NOOP before it is used again, and is
 * logged out when its time runs out, when the owner closes it, or when it failed in any way.
 */
export class ImapSessions {
	constructor(private readonly timing = { firstKeepMs: FIRST_KEEP_MS, maxKeepMs: MAX_KEEP_MS }) {}

	private readonly kept = new Map<string, KeptSession>();
	/** When each owner's last cycle started: the gap between two tells how long to keep the session. */
	private readonly lastStart = new Map<string, number>();
	/** Clients whose 'close' is listened to already (once each, however often they are kept). */
	private readonly watched = new WeakSet<ImapFlow>();

	/** Runs `work` on the owner's kept session, or on a new one that is then kept. */
	async use<T>(owner: string, account: MailAccount, work: (client: ImapFlow) => Promise<T>): Promise<T> {
		const started = Date.now();
		const interval = this.lastStart.has(owner) ? started - (this.lastStart.get(owner) as number) : undefined;
		this.lastStart.set(owner, started);
		const fingerprint = fingerprintOf(account);
		const client = (await this.takeKept(owner, fingerprint)) ?? (await connectImap(account));
		let healthy = false;
		try {
			const result = await work(client);
			healthy = client.usable;
			return result;
		} catch (error) {
			throw workFailure(client, error, account);
		} finally {
			if (healthy) this.keep(owner, { client, fingerprint, lastUsed: Date.now() }, interval);
			else await closeImap(client);
		}
	}

	/** Logs out the owner's kept session (a trigger deactivated). */
	async close(owner: string): Promise<void> {
		this.lastStart.delete(owner);
		const session = this.kept.get(owner);
		if (!session) return;
		this.drop(owner, session);
		await closeImap(session.client);
	}

	/** Logs every kept session out: a process that ends, and would otherwise wait for their timers. */
	async closeAll(): Promise<void> {
		await Promise.all([...this.kept.keys()].map(async (owner) => await this.close(owner)));
	}

	/** The owner's session if it is still there and logged in as this account; otherwise it is logged out. */
	private async takeKept(owner: string, fingerprint: string): Promise<ImapFlow | undefined> {
		const session = this.kept.get(owner);
		if (!session) return undefined;
		this.drop(owner, session);
		// The NOOP proves the session is still there before any work starts on it.
		const reusable =
			session.fingerprint === fingerprint &&
			session.client.usable &&
			(await session.client.noop().then(
				() => session.client.usable,
				() => false,
			));
		if (reusable) return session.client;
		await closeImap(session.client);
		return undefined;
	}

	private keep(owner: string, session: KeptSession, interval: number | undefined): void {
		const previous = this.kept.get(owner);
		// Two cycles of one owner ran at once: one session is kept, the other logged out.
		if (previous) {
			this.drop(owner, previous);
			void closeImap(previous.client);
		}
		// Never less than the first keep: n8n polls once on activation and again at the schedule's
		// next tick, seconds later, and that gap says nothing of the interval.
		const keepMs = Math.min(this.timing.maxKeepMs, Math.max(this.timing.firstKeepMs, (interval ?? 0) * KEEP_SLACK));
		session.timer = setTimeout(() => void this.expire(owner, session), keepMs);
		session.timer.unref();
		this.kept.set(owner, session);
		void this.idleWhileKept(owner, session);
		if (!this.watched.has(session.client)) {
			this.watched.add(session.client);
			// A server that drops a kept session says so: it is not kept any longer.
			session.client.once('close', () => {
				const current = this.kept.get(owner);
				if (current?.client === session.client) this.drop(owner, current);
			});
		}
		if (this.kept.size > MAX_SESSIONS) {
			const [oldestOwner, oldest] = [...this.kept].reduce((a, b) => (b[1].lastUsed < a[1].lastUsed ? b : a));
			this.drop(oldestOwner, oldest);
			void closeImap(oldest.client);
		}
	}

	/**
	 * Waits in IDLE while kept: a silent session would be closed at its socket timeout (the trigger's
	 * budget, a minute by default) and by servers long before their autologout. imapflow ends the
	 * IDLE for any command (its own keep-alive NOOP at the socket timeout, or the next cycle's NOOP).
	 */
	private async idleWhileKept(owner: string, session: KeptSession): Promise<void> {
		while (this.kept.get(owner) === session && session.client.usable) {
			const started = Date.now();
			await session.client.idle().catch(() => undefined);
			// A server without IDLE answers at once: then at most one NOOP a second.
			if (Date.now() - started < 1000) await new Promise((resolve) => setTimeout(resolve, 1000).unref());
		}
	}

	private async expire(owner: string, session: KeptSession): Promise<void> {
		if (this.kept.get(owner) !== session) return;
		this.drop(owner, session);
		this.lastStart.delete(owner);
		await closeImap(session.client);
	}

	private drop(owner: string, session: KeptSession): void {
		clearTimeout(session.timer);
		if (this.kept.get(owner) === session) this.kept.delete(owner);
	}
}

/** The sessions of every trigger in this process. */
export const keptSessions = new ImapSessions();
