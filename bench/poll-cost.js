'use strict';
/**
 * Case 2, poll cost against folder size: one trigger poll (connect and login included) that finds
 * 10 new mails in folders of 100, 10,000 and 100,000 messages, the cursor already past the old
 * mail (as after earlier polls; the old mail is read). A poll should cost what is new, not what
 * the folder holds. Each size on two Dovecot storages: Maildir (one file per mail, flags in the
 * file name, so a flag change makes the next SELECT rescan the directory) and sdbox (one file per
 * mail, flags in the index: nothing is rescanned). Beside it, n8n's built-in Email Trigger (IMAP) of
 * each installed n8n, which does not poll: its activation (login, SELECT, search, fetch, \Seen) up to
 * the 10th item, the nearest thing it does to a poll.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { EmailTrigger } = require('../dist/nodes/EmailTrigger/EmailTrigger.node');
const { keptSessions } = require('../dist/nodes/mail');
const {
	builtinHosts,
	credentialsOf,
	maildirOf,
	markUnread,
	median,
	openImap,
	pollContext,
	repeat,
	runChild,
	typicalMails,
	writeMaildir,
} = require('./lib');

const SIZES = [100, 10_000, 100_000];
const SMOKE_SIZES = [20, 200];
const STORAGES = ['Maildir', 'sdbox'];
const NEW_MAILS = 10;

/** A small old message; built per index so 100,000 of them never sit in memory together. */
function oldMail(index, domain) {
	return Buffer.from(
		[
			`From: Old Sender <old-${index % 50}@sender.${domain}>`,
			`To: soc@${domain}`,
			`Subject: old alert ${index}`,
			`Date: ${new Date(Date.UTC(2024, 0, 1, 0, 0, index % 86400)).toUTCString()}`,
			`Message-ID: <old-${index}@sender.${domain}>`,
			'MIME-Version: 1.0',
			'Content-Type: text/plain; charset=utf-8',
			'',
			`An alert that was handled long ago, number ${index}.`,
			'',
		].join('\r\n'),
	);
}

/**
 * Gives `address` an sdbox storage (through the servers' extra userdb) and moves the Maildir written
 * for it into that storage with doveadm import, flags kept.
 */
function convertToSdbox(info, address) {
	const home = path.dirname(maildirOf(info, address));
	const stat = fs.statSync(home);
	const userdb = path.join(info.base, 'userdb.extra');
	const { mtimeMs } = fs.statSync(userdb);
	fs.appendFileSync(userdb, `${address}::${stat.uid}:${stat.gid}::${home}::userdb_mail=sdbox:~/sdbox\n`);
	// Dovecot reads the file again only when its mtime (in whole seconds) changed.
	const next = new Date(Math.max(Date.now(), mtimeMs + 1000));
	fs.utimesSync(userdb, next, next);
	// Dovecot's auth process looks at the file at most once a second: until it has, the user is still
	// on Maildir, and the import would copy the Maildir into itself (the folder then shows no mail).
	const storageOf = () =>
		execFileSync('doveadm', ['-c', info.dovecotConf, 'user', '-f', 'mail', address]).toString().trim();
	for (const deadline = Date.now() + 10_000; !storageOf().startsWith('sdbox:');) {
		if (Date.now() > deadline)
			throw new Error(`Dovecot still gives ${address} "${storageOf()}" 10 s after its sdbox line was written`);
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
	}
	execFileSync('doveadm', ['-c', info.dovecotConf, 'import', '-u', address, 'maildir:~/Maildir', '', 'all'], {
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	fs.rmSync(path.join(home, 'Maildir'), { recursive: true, force: true });
}

/** Writes the old mail, lets Dovecot index it, then delivers the new mail by APPEND. */
async function prepareFolder(info, size, storage, log) {
	const address = `bench-poll-${storage.toLowerCase()}-${size}@${info.domain}`;
	const started = Date.now();
	writeMaildir(info, address, size, (index) => oldMail(index, info.domain), { flags: 'S' });
	if (storage === 'sdbox') convertToSdbox(info, address);
	const client = await openImap(info, address);
	let cursor;
	try {
		const mailbox = await client.mailboxOpen('INBOX');
		if (mailbox.exists < size)
			throw new Error(`the ${storage} folder of ${size} shows ${mailbox.exists} mails after writing`);
		cursor = { uidValidity: String(mailbox.uidValidity), lastUid: mailbox.uidNext - 1 };
		for (const mail of typicalMails(NEW_MAILS, { domain: info.domain, to: address, seed: size }))
			await client.append('INBOX', mail);
	} finally {
		await client.logout();
	}
	log(`poll: ${storage} folder of ${size} written and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return { address, cursor };
}

async function run({ info, runs, warmups, smoke, log }) {
	const results = [];
	for (const storage of STORAGES) {
		for (const size of smoke ? SMOKE_SIZES : SIZES)
			results.push({ storage, size, ...(await measureFolder(info, size, storage, { runs, warmups }, log)) });
	}
	const rows = results.flatMap((r) => {
		const smallest = results.find((other) => other.storage === r.storage);
		const folder = `${r.storage} folder of ${r.size.toLocaleString('en')}`;
		return [
			{
				case: '2 poll cost',
				what: `one poll, ${NEW_MAILS} new mails, ${folder}`,
				value: `${r.ms.toFixed(0)} ms`,
				extra: `login+SELECT alone ${r.floor.toFixed(0)} ms`,
				ratio: r === smallest ? '' : `${(r.ms / smallest.ms).toFixed(2)}x the smallest`,
			},
			...r.builtins.map((b, index) => {
				const first = smallest.builtins[index];
				return {
					case: '2 poll cost',
					what: `${b.name}: activation to the ${NEW_MAILS}th new item (login included), ${folder}`,
					value: `${b.ms.toFixed(0)} ms`,
					extra: '',
					ratio: r === smallest ? '' : `${(b.ms / first.ms).toFixed(2)}x the smallest`,
				};
			}),
		];
	});
	const goals = STORAGES.flatMap((storage) => {
		const ofStorage = results.filter((r) => r.storage === storage);
		const smallest = ofStorage[0];
		const largest = ofStorage[ofStorage.length - 1];
		return [
			{
				goal: `${storage}: poll in the largest folder within 2x of the smallest`,
				value: `${(largest.ms / smallest.ms).toFixed(2)}x`,
				met: largest.ms <= 2 * smallest.ms,
			},
			{
				goal:
					`${storage}: our share (poll minus login+SELECT alone) in the largest folder within ` +
					`2x the smallest's whole poll`,
				value: `${(largest.ms - largest.floor).toFixed(0)} ms vs ${smallest.ms.toFixed(0)} ms`,
				met: largest.ms - largest.floor <= 2 * smallest.ms,
			},
		];
	});
	return { rows, goals };
}

async function measureFolder(info, size, storage, repetitions, log) {
	const { address, cursor } = await prepareFolder(info, size, storage, log);
	const trigger = new EmailTrigger();
	// One trigger for every poll, as one active workflow is: its IMAP session is kept between polls
	// (the warm-up's poll logs in).
	const staticData = {};
	const context = pollContext({
		parameters: { folders: 'INBOX' },
		credentials: credentialsOf(info, address),
		staticData,
	});
	const floors = [];
	const samples = await repeat(repetitions, async () => {
		// What the server alone needs after the same change: log in, SELECT, log out.
		await markUnread(info, address, `${cursor.lastUid + 1}:*`);
		const floorStart = performance.now();
		const client = await openImap(info, address);
		await client.mailboxOpen('INBOX');
		await client.logout();
		floors.push(performance.now() - floorStart);

		await markUnread(info, address, `${cursor.lastUid + 1}:*`);
		staticData.cursors = { INBOX: cursor };
		const start = performance.now();
		const result = await trigger.poll.call(context);
		const ms = performance.now() - start;
		const emitted = result ? result[0].length : 0;
		if (emitted !== NEW_MAILS)
			throw new Error(`the poll in the ${storage} folder of ${size} emitted ${emitted} items, not ${NEW_MAILS}`);
		return ms;
	});
	await keptSessions.closeAll();
	// The warm-up's floor is dropped as its poll is.
	const counted = floors.slice(repetitions.warmups);
	log(
		`  ${storage} folder of ${size}: ${median(samples).toFixed(0)} ms ` +
			`(runs ${samples.map((s) => s.toFixed(0)).join(', ')}); ` +
			`login + SELECT + logout alone ${median(counted).toFixed(0)} ms`,
	);
	return {
		ms: median(samples),
		floor: median(counted),
		builtins: await measureBuiltins(info, address, cursor, repetitions, log),
	};
}

/** The built-in reads the new mail as unread (1.x) or past its UID watermark (2.x), as after earlier mail. */
async function measureBuiltins(info, address, cursor, repetitions, log) {
	const measured = [];
	for (const { version, typeVersion, nodeBinary, n8nDir } of builtinHosts()) {
		const name = `n8n ${version} Email Trigger (IMAP) v${typeVersion}`;
		const startUid = typeVersion >= 2.2 ? cursor.lastUid : undefined;
		const samples = await repeat(repetitions, async () => {
			await markUnread(info, address, `${cursor.lastUid + 1}:*`);
			const config = {
				mode: 'builtin',
				n8nDir,
				typeVersion,
				format: 'simple',
				startUid,
				info,
				address,
				expected: NEW_MAILS,
			};
			const sample = await runChild(path.join(__dirname, 'ingest-worker.js'), config, {
				nodeBinary,
				env: { MAILBOX_EXTRA_CA_FILE: info.caFile },
			});
			return sample.ms;
		});
		log(`  ${name}: ${median(samples).toFixed(0)} ms (runs ${samples.map((s) => s.toFixed(0)).join(', ')})`);
		measured.push({ name, ms: median(samples) });
	}
	return measured;
}

module.exports = { run };
