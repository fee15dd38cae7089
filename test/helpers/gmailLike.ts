import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';

import { servers } from './servers';

/**
 * A Gmail-like IMAP server on 127.0.0.1: implicit TLS (as imap.gmail.com:993) in front of the real
 * test Dovecot, adding Gmail's IMAP extension X-GM-EXT-1 with the syntax Gmail uses:
 *
 * - `CAPABILITY` lists X-GM-EXT-1;
 * - `[UID] STORE set +X-GM-LABELS (a "b c")`, `-X-GM-LABELS`, `X-GM-LABELS` (replace) change labels, and
 *   the answer is `* n FETCH (X-GM-LABELS (...) UID u)`;
 * - `FETCH set (X-GM-LABELS ...)` answers the labels beside the other items, and X-GM-MSGID /
 *   X-GM-THRID (which imapflow asks with every FETCH on Gmail) a 64-bit id per message;
 * - `SEARCH ... X-GM-RAW "query"` takes Gmail's search operators: from:, to:, subject:, label:,
 *   is:unread / is:read / is:starred, larger:, rfc822msgid:, older_than:/newer_than: (Nd), a
 *   leading `-` to negate, and bare words (anywhere in the mail). Other operators are refused (NO),
 *   so a test never passes on a query the stand-in did not understand.
 *
 * Labels are kept in Dovecot as keywords `$GL_<hex of the label>` that the client never sees: FLAGS
 * answers leave them out, X-GM-LABELS answers show them decoded. Everything else is Dovecot's.
 */
export interface GmailLike {
	port: number;
	/** Commands as the client sent them (before translation), to check the wire syntax. */
	readonly commands: string[];
	close(): Promise<void>;
}

const LABEL_PREFIX = '$GL_';

const encodeLabel = (label: string) => `${LABEL_PREFIX}${Buffer.from(label, 'utf8').toString('hex')}`;
const decodeLabel = (keyword: string) => Buffer.from(keyword.slice(LABEL_PREFIX.length), 'hex').toString('utf8');

/** IMAP astrings and atoms of a parenthesised list or a single value: `(a "b c" \\Important)`. */
function parseStrings(text: string): string[] {
	const values: string[] = [];
	const pattern = /"((?:[^"\\]|\\.)*)"|([^\s()"]+)/g;
	for (const match of text.matchAll(pattern))
		values.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]);
	return values;
}

function quote(value: string): string {
	return /^[A-Za-z0-9_\-./\\]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IS_KEYS: Record<string, string> = { unread: 'UNSEEN', read: 'SEEN', starred: 'FLAGGED' };

/** Gmail's X-GM-RAW query -> IMAP SEARCH keys over Dovecot (the operators listed above). */
export function translateGmailQuery(query: string): string {
	const keys: string[] = [];
	for (const token of query.match(/-?[a-z_0-9]+:"[^"]*"|-?"[^"]*"|\S+/gi) ?? []) {
		const negated = token.startsWith('-');
		const body = negated ? token.slice(1) : token;
		const colon = body.indexOf(':');
		const operator = colon > 0 && !body.startsWith('"') ? body.slice(0, colon).toLowerCase() : '';
		const value = (operator ? body.slice(colon + 1) : body).replace(/^"|"$/g, '');
		let key: string;
		switch (operator) {
			case '':
				key = `TEXT ${quote(value)}`;
				break;
			case 'from':
			case 'to':
			case 'subject':
				key = `${operator.toUpperCase()} ${quote(value)}`;
				break;
			case 'label':
				key = `KEYWORD ${encodeLabel(value)}`;
				break;
			case 'rfc822msgid':
				key = `HEADER Message-ID ${quote(value)}`;
				break;
			case 'larger':
				key = `LARGER ${Number(value.replace(/k$/i, '000').replace(/m$/i, '000000'))}`;
				break;
			case 'is':
				key = IS_KEYS[value.toLowerCase()] ?? '';
				break;
			case 'older_than':
			case 'newer_than': {
				const days = /^(\d+)d$/i.exec(value);
				const date = days ? new Date(Date.now() - Number(days[1]) * 86_400_000) : undefined;
				const imapDate = date ? `${date.getUTCDate()}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()}` : '';
				key = imapDate ? `${operator === 'older_than' ? 'BEFORE' : 'SINCE'} ${imapDate}` : '';
				break;
			}
			default:
				key = '';
		}
		if (!key) throw new Error(`the Gmail-like server does not understand "${token}"`);
		keys.push(negated ? `NOT ${key}` : key);
	}
	return `(${keys.join(' ')})`;
}

interface Pending {
	labels: boolean;
	flags: boolean;
	/** X-GM-MSGID / X-GM-THRID asked (imapflow asks them with every FETCH on Gmail). */
	ids: string[];
}

/** Splits a FLAGS list into the client's flags and the labels kept as keywords. */
function splitFlags(list: string): { flags: string[]; labels: string[] } {
	const all = list.trim() ? list.trim().split(/\s+/) : [];
	return {
		flags: all.filter((flag) => !flag.startsWith(LABEL_PREFIX)),
		labels: all.filter((flag) => flag.startsWith(LABEL_PREFIX)).map(decodeLabel),
	};
}

/** One connection's translation, client to server and back; literals pass through untouched. */
class Translator {
	private pending = new Map<string, Pending>();

	/** UIDVALIDITY of the selected folder: with the UID it makes a message's X-GM-MSGID. */
	private uidValidity = 0n;

	constructor(
		private readonly commands: string[],
		private readonly toServer: (data: Buffer | string | null) => void,
		private readonly toClient: (data: Buffer | string | null) => void,
	) {}

	fromClient = lineReader(
		(line) => this.toServer(this.command(line)),
		(bytes) => this.toServer(bytes),
	);

	fromServer = lineReader(
		(line) => this.toClient(this.answer(line)),
		(bytes) => this.toClient(bytes),
	);

	/** The command as Dovecot gets it; null when answered here. */
	private command(line: string): string | null {
		const match = /^(\S+) ((?:UID )?)(STORE|FETCH|SEARCH) (.*)$/i.exec(line);
		if (!match || !/X-GM-/i.test(line)) return line;
		this.commands.push(line);
		const [, tag, uid, verb, rest] = match;
		if (/^STORE$/i.test(verb)) {
			const store = /^(\S+) ([+-]?)X-GM-LABELS(?:\.SILENT)? (.*)$/i.exec(rest);
			if (!store) return line;
			if (!store[2]) return this.refuse(tag, 'the Gmail-like server only adds and removes labels');
			this.pending.set(tag, { labels: true, flags: false, ids: [] });
			const keywords = parseStrings(store[3]).map(encodeLabel);
			return `${tag} ${uid}STORE ${store[1]} ${store[2]}FLAGS (${keywords.join(' ')})`;
		}
		if (/^FETCH$/i.test(verb)) {
			const labels = /X-GM-LABELS/i.test(rest);
			const flags = /\bFLAGS\b/i.test(rest.replace(/X-GM-LABELS/gi, ''));
			const ids = ['X-GM-MSGID', 'X-GM-THRID'].filter((name) => rest.toUpperCase().includes(name));
			this.pending.set(tag, { labels, flags, ids });
			let items = rest
				.replace(/\s?X-GM-(MSGID|THRID)/gi, '')
				.replace(/\s?X-GM-LABELS/i, labels && !flags ? ' FLAGS' : '');
			if (ids.length && !/\bUID\b/i.test(items.replace(/^\S+/, ''))) items = items.replace(/\)$/, ' UID)');
			return `${tag} ${uid}FETCH ${items.replace(/\(\s+/, '(')}`;
		}
		const raw = /X-GM-RAW ("(?:[^"\\]|\\.)*"|\S+)/i.exec(rest);
		if (!raw) return line;
		let keys: string;
		try {
			keys = translateGmailQuery(parseStrings(raw[1])[0] ?? '');
		} catch (error) {
			return this.refuse(tag, (error as Error).message);
		}
		return `${tag} ${uid}SEARCH ${rest.replace(raw[0], keys)}`;
	}

	/** Answers the command itself (NO) and sends the server nothing. */
	private refuse(tag: string, reason: string): null {
		this.toClient(`${tag} NO [CANNOT] ${reason}`);
		return null;
	}

	private answer(line: string): string {
		if (/^\* CAPABILITY |\[CAPABILITY /i.test(line))
			return line.replace(/IMAP4rev1/i, 'IMAP4rev1 X-GM-EXT-1').replace(/ STARTTLS/i, '');
		const validity = /^\* OK \[UIDVALIDITY (\d+)\]/i.exec(line);
		if (validity) this.uidValidity = BigInt(validity[1]);
		const tagged = /^(\S+) (OK|NO|BAD)\b/i.exec(line);
		if (tagged && tagged[1] !== '*') this.pending.delete(tagged[1]);
		const asking = [...this.pending.values()].find((pending) => pending.labels || pending.ids.length);
		const fetch = /^\* \d+ FETCH /i.test(line);
		const uid = fetch ? /\bUID (\d+)/i.exec(line) : null;
		if (asking?.ids.length && uid) {
			const id = ((this.uidValidity << 32n) + BigInt(uid[1])).toString();
			line = line.replace(/^(\* \d+ FETCH \()/i, `$1${asking.ids.map((name) => `${name} ${id}`).join(' ')} `);
		}
		return line.replace(/(FLAGS|PERMANENTFLAGS) \(([^)]*)\)/gi, (_whole, name: string, list: string) => {
			const { flags, labels } = splitFlags(list);
			if (!fetch || !asking?.labels || name.toUpperCase() !== 'FLAGS') return `${name} (${flags.join(' ')})`;
			const shown = `X-GM-LABELS (${labels.map(quote).join(' ')})`;
			return asking.flags ? `FLAGS (${flags.join(' ')}) ${shown}` : shown;
		});
	}
}

/** Feeds text lines to `onLine` and literal bytes (`{n}` / `{n+}` at a line's end) to `onLiteral`. */
function lineReader(onLine: (line: string) => void, onLiteral: (bytes: Buffer) => void): (chunk: Buffer) => void {
	let buffer = Buffer.alloc(0);
	let literal = 0;
	return (chunk) => {
		buffer = Buffer.concat([buffer, chunk]);
		while (buffer.length > 0) {
			if (literal > 0) {
				const part = buffer.subarray(0, literal);
				literal -= part.length;
				buffer = buffer.subarray(part.length);
				onLiteral(part);
				continue;
			}
			const end = buffer.indexOf('\r\n');
			if (end < 0) return;
			const line = buffer.subarray(0, end).toString('latin1');
			buffer = buffer.subarray(end + 2);
			const size = /\{(\d+)\+?\}$/.exec(line);
			if (size) {
				literal = Number(size[1]);
				onLiteral(Buffer.from(`${line}\r\n`, 'latin1'));
				continue;
			}
			onLine(line);
		}
	};
}

export async function startGmailLike(): Promise<GmailLike> {
	const info = servers();
	const base = dirname(info.caFile);
	const commands: string[] = [];
	const open = new Set<Socket | TLSSocket>();
	const server = createServer(
		{ key: readFileSync(join(base, 'tls.key')), cert: readFileSync(info.caFile) },
		(client) => {
			const upstream = connect(info.ports.imap, info.host);
			const write = (socket: Socket) => (data: Buffer | string | null) => {
				if (data === null) return;
				socket.write(typeof data === 'string' ? Buffer.from(`${data}\r\n`, 'latin1') : data);
			};
			const translator = new Translator(commands, write(upstream), write(client));
			client.on('data', translator.fromClient);
			upstream.on('data', translator.fromServer);
			for (const socket of [client, upstream]) {
				open.add(socket);
				socket.on('error', () => undefined);
				socket.on('close', () => {
					open.delete(socket);
					client.destroy();
					upstream.destroy();
				});
			}
		},
	);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as { port: number }).port,
		commands,
		async close() {
			for (const socket of open) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
