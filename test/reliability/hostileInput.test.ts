import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { runNode } from '../helpers/nodeContext';
import { triggerHarness } from '../helpers/pollContext';
import { appendMessages, credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';
import { fixtureMails, mailCorpus } from '../helpers/corpus';
import { hostileMails } from './hostileMail';
import { printTable, scratchFolders } from './seeded';

/** The highest resident memory seen while `work` runs, sampled every 20 ms. */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number; baseMb: number }> {
	const baseMb = process.memoryUsage().rss / 1e6;
	let peakMb = baseMb;
	const sampler = setInterval(() => (peakMb = Math.max(peakMb, process.memoryUsage().rss / 1e6)), 20);
	try {
		const result = await work();
		peakMb = Math.max(peakMb, process.memoryUsage().rss / 1e6);
		return { result, peakMb, baseMb };
	} finally {
		clearInterval(sampler);
	}
}

async function runEmail(parameters: IDataObject, address: string): Promise<INodeExecutionData[]> {
	const [items] = await runNode(new Email(), {
		parameters,
		credentials: credentialsFor(address),
		continueOnFail: true,
	});
	return items;
}

/** Every file under `directory`, with its path relative to it. */
function filesUnder(directory: string): string[] {
	return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory()
			? filesUnder(path.join(directory, entry.name)).map((name) => path.join(entry.name, name))
			: [entry.name],
	);
}

describe('hostile mail through the trigger and the read operations', () => {
	const scratch = scratchFolders();
	afterAll(() => scratch.removeAll());
	const hostile = hostileMails();
	// Ordinary mail among the hostile: the fixtures always, the extended corpus's 103 mails when it is there.
	const ordinary = [...fixtureMails(), ...(mailCorpus.present ? mailCorpus.files() : [])];
	const address = newMailbox('hostile');
	let uids: number[] = [];

	beforeAll(async () => {
		uids = await appendMessages(address, [
			...hostile.map((mail) => mail.raw),
			...ordinary.map((file) => readFileSync(file)),
		]);
	}, 60_000);

	it('the trigger emits exactly one item per mail, with parse_error or truncated where it had to give up, in bounded time and memory', async () => {
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { unreadOnly: false, markAsRead: false, maxEmailsPerCycle: 200, attachOriginalEml: true },
		});
		const started = Date.now();
		const {
			result: items,
			peakMb,
			baseMb,
		} = await peakMemory(async () => {
			const all: INodeExecutionData[] = [];
			for (let poll = 0; poll < 5; poll++) all.push(...(await trigger.poll()));
			return all;
		});
		const ms = Date.now() - started;
		const byUid = new Map<number, number>();
		for (const item of items) byUid.set(Number(item.json.email_uid), (byUid.get(Number(item.json.email_uid)) ?? 0) + 1);

		const rows = hostile.map((mail, index) => {
			const item = items.find((candidate) => candidate.json.email_uid === uids[index]);
			const json = (item?.json ?? {}) as Record<string, unknown>;
			return {
				mail: mail.name,
				bytes: mail.raw.length,
				items: byUid.get(uids[index]) ?? 0,
				messageId: json.message_id === mail.messageId ? 'kept' : String(json.message_id),
				attachments: (json.attachments as unknown[] | undefined)?.length ?? 0,
				parse_error: json.parse_error ? String(json.parse_error).slice(0, 45) : '',
				truncated: json.truncated ? JSON.stringify(json.truncated) : '',
			};
		});
		printTable(
			`Hostile mail through the trigger: ${items.length} items for ${uids.length} mails (${hostile.length} generated + ${ordinary.length} fixture and corpus mails) in ${ms} ms, memory ${Math.round(baseMb)} -> peak ${Math.round(peakMb)} MB`,
			rows,
		);

		expect(items).toHaveLength(uids.length);
		expect([...byUid.keys()].sort((a, b) => a - b)).toEqual(uids);
		expect([...byUid.values()].every((count) => count === 1)).toBe(true);
		for (const row of rows) expect(row.messageId).toBe('kept');
		const row = (name: string) => rows.find((candidate) => candidate.mail === name)!;
		// What a limit cut is said in the item, never dropped silently.
		expect(JSON.parse(row('parts-500').truncated)).toEqual({ attachments: { total: 500, kept: 100 } });
		expect(row('parts-500').attachments).toBe(100);
		expect(row('parts-50000').parse_error).not.toBe('');
		expect(row('nested-1000').parse_error).not.toBe('');
		const deepHtml = items.find(
			(item) => item.json.email_uid === uids[hostile.findIndex((mail) => mail.name === 'html-deep')],
		)!;
		expect(deepHtml.json.body).toContain('deep');
		expect(deepHtml.json.urls).toEqual(['https://evil.example/x']);
		// The zip-bomb-like attachment stays as the bytes that were sent: nothing is unpacked.
		const bomb = items.find(
			(item) => item.json.email_uid === uids[hostile.findIndex((mail) => mail.name === 'zip-bomb-like')],
		)!;
		expect((bomb.json.attachments as Array<{ size: number }>)[0].size).toBeLessThan(1024 * 1024);
		for (const item of items) {
			for (const name of Object.values(item.binary ?? {}).map((binary) => binary.fileName ?? ''))
				expect(name).not.toMatch(/[\0/\\]/);
			for (const attachment of item.json.attachments as Array<{ filename: string }>)
				expect(attachment.filename).not.toMatch(/[\0/\\]/);
		}
		expect(peakMb - baseMb).toBeLessThan(1024);
	}, 120_000);

	it('a mail above Max Message Size MB is emitted from its first part, with truncated.message', async () => {
		const big = newMailbox('bigmail');
		const raw = Buffer.from(
			[
				'From: a@example.test',
				'Subject: big',
				'Message-ID: <big@reliability.test>',
				'Content-Type: text/plain',
				'',
				'x'.repeat(3 * 1024 * 1024),
				'',
			].join('\r\n'),
		);
		await appendMessages(big, [raw]);
		const trigger = triggerHarness({
			credentials: credentialsFor(big),
			parameters: { maxMessageSizeMb: 1, attachOriginalEml: true },
		});
		const [item] = await trigger.poll();
		expect(item.json).toMatchObject({
			subject: 'big',
			message_id: '<big@reliability.test>',
			truncated: { message: { size: raw.length, readBytes: 1024 * 1024, maxMessageSizeMb: 1 } },
		});
		expect(Number(item.binary!.original_eml.fileSize)).toBe(1024 * 1024);
		expect(await trigger.poll()).toEqual([]);
	});

	it('Get EML File returns every hostile mail byte for byte, and Download Attachments keeps every file inside the folder', async () => {
		const rows: Array<Record<string, string | number>> = [];
		const hostileUids = uids.slice(0, hostile.length);
		const stored = new Map(
			(await waitForMessages(address, uids.length)).map((message) => [message.uid, message.source]),
		);
		for (const uid of hostileUids) {
			const [item] = await runEmail(
				{ operation: 'getEml', folder: 'INBOX', messageId: '', emailUid: String(uid), base64Encode: true },
				address,
			);
			expect(item.json.error).toBeUndefined();
			expect(Buffer.from(String(item.json.eml_base64), 'base64').equals(stored.get(uid)!)).toBe(true);
		}
		// A folder of its own inside a scratch folder of its own: nothing else writes beside it.
		const directory = path.join(scratch.make('mailbox-hostile-'), 'downloads');
		mkdirSync(directory);
		const started = Date.now();
		const {
			result: items,
			peakMb,
			baseMb,
		} = await peakMemory(() =>
			runEmail(
				{
					operation: 'downloadAttachments',
					folder: 'INBOX',
					downloadPath: directory,
					messageId: '',
					subjectFilter: '',
					emailUid: hostileUids.join(','),
					onlyUnread: false,
					options: { binaryOutput: false },
				},
				address,
			),
		);
		const saved = (items[0].json.attachments ?? []) as Array<{ path: string; email_uid: number }>;
		const parseErrors = (items[0].json.parse_errors ?? []) as Array<{ email_uid: number; parse_error: string }>;
		for (const [index, uid] of hostileUids.entries()) {
			rows.push({
				mail: hostile[index].name,
				files: saved.filter((file) => file.email_uid === uid).length,
				parse_error: parseErrors.find((entry) => entry.email_uid === uid)?.parse_error ?? '',
			});
		}
		printTable(
			`Download Attachments over ${hostileUids.length} hostile mails: ${saved.length} files in ${Date.now() - started} ms, memory ${Math.round(baseMb)} -> peak ${Math.round(peakMb)} MB, error: ${String(items[0].json.error ?? 'none')}`,
			rows,
		);
		expect(items[0].json.error).toBeUndefined();
		// A mail the parser gives up on is named, and the mails after it are still read.
		expect(parseErrors.map((entry) => hostile[hostileUids.indexOf(entry.email_uid)].name)).toEqual(
			rows.filter((row) => row.parse_error).map((row) => row.mail),
		);
		expect(rows.find((row) => row.mail === 'nul-in-names')!.files).toBe(2);
		expect(rows.find((row) => row.mail === 'rfc822-chain-50')!.files).toBeGreaterThan(1);
		const files = filesUnder(directory);
		expect(files).toHaveLength(saved.length);
		for (const file of saved) {
			expect(path.dirname(file.path)).toBe(directory);
			expect(file.path).not.toContain('\0');
			expect(existsSync(file.path) && statSync(file.path).isFile()).toBe(true);
		}
		expect(readdirSync(path.dirname(directory))).toEqual(['downloads']);
		expect(peakMb - baseMb).toBeLessThan(1024);
	}, 120_000);
});
