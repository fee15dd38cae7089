'use strict';
/**
 * Case 2, poll cost against folder size: one trigger poll (connect and login included) that finds
 * 10 new mails in folders of 100, 10,000 and 100,000 messages, the cursor already past the old
 * mail (as after earlier polls; the old mail is read). A poll should cost what is new, not what
 * the folder holds.
 */
const { EmailTrigger } = require('../dist/nodes/EmailTrigger/EmailTrigger.node');
const { credentialsOf, markUnread, median, openImap, pollContext, typicalMails, writeMaildir } = require('./lib');

const SIZES = [100, 10_000, 100_000];
const NEW_MAILS = 10;

/** A small old message; built per index so 100,000 of them never sit in memory together. */
function oldMail(index, domain) {
	return Buffer.from([
		`From: Old Sender <old-${index % 50}@sender.${domain}>`, `To: soc@${domain}`, `Subject: old alert ${index}`,
		`Date: ${new Date(Date.UTC(2024, 0, 1, 0, 0, index % 86400)).toUTCString()}`, `Message-ID: <old-${index}@sender.${domain}>`,
		'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `An alert that was handled long ago, number ${index}.`, '',
	].join('\r\n'));
}

/** Writes the old mail, lets Dovecot index it, then delivers the new mail by APPEND. */
async function prepareFolder(info, size, log) {
	const address = `bench-poll-${size}@${info.domain}`;
	const started = Date.now();
	writeMaildir(info, address, size, (index) => oldMail(index, info.domain), { flags: 'S' });
	const client = await openImap(info, address);
	let cursor;
	try {
		const mailbox = await client.mailboxOpen('INBOX');
		cursor = { uidValidity: String(mailbox.uidValidity), lastUid: mailbox.uidNext - 1 };
		for (const mail of typicalMails(NEW_MAILS, { domain: info.domain, to: address, seed: size })) await client.append('INBOX', mail);
	} finally {
		await client.logout();
	}
	log(`poll: folder of ${size} written and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return { address, cursor };
}

async function run({ info, runs, log }) {
	const results = [];
	for (const size of SIZES) {
		const { address, cursor } = await prepareFolder(info, size, log);
		const trigger = new EmailTrigger();
		const samples = [];
		const floors = [];
		for (let attempt = 0; attempt <= runs; attempt++) {
			// What the server alone needs after the same change: log in, SELECT, log out.
			await markUnread(info, address, `${cursor.lastUid + 1}:*`);
			const floorStart = performance.now();
			const client = await openImap(info, address);
			await client.mailboxOpen('INBOX');
			await client.logout();
			if (attempt > 0) floors.push(performance.now() - floorStart);

			await markUnread(info, address, `${cursor.lastUid + 1}:*`);
			const staticData = { cursors: { INBOX: cursor } };
			const context = pollContext({ parameters: { folders: 'INBOX' }, credentials: credentialsOf(info, address), staticData });
			const start = performance.now();
			const result = await trigger.poll.call(context);
			const ms = performance.now() - start;
			const emitted = result ? result[0].length : 0;
			if (emitted !== NEW_MAILS) throw new Error(`the poll in the folder of ${size} emitted ${emitted} items, not ${NEW_MAILS}`);
			if (attempt > 0) samples.push(ms);
		}
		results.push({ size, ms: median(samples), floor: median(floors) });
		log(`  folder of ${size}: ${median(samples).toFixed(0)} ms (runs ${samples.map((s) => s.toFixed(0)).join(', ')}); login + SELECT + logout alone ${median(floors).toFixed(0)} ms`);
	}
	const smallest = results[0];
	const largest = results[results.length - 1];
	return {
		rows: results.map((r) => ({ case: '2 poll cost', what: `one poll, ${NEW_MAILS} new mails, folder of ${r.size.toLocaleString('en')}`, value: `${r.ms.toFixed(0)} ms`, extra: `login+SELECT alone ${r.floor.toFixed(0)} ms`, ratio: r === smallest ? '' : `${(r.ms / smallest.ms).toFixed(2)}x the smallest` })),
		goals: [
			{ goal: 'poll in the largest folder within 2x of the smallest', value: `${(largest.ms / smallest.ms).toFixed(2)}x`, met: largest.ms <= 2 * smallest.ms },
			{ goal: 'our share (poll minus login+SELECT alone) in the largest folder within 2x the smallest\'s whole poll', value: `${(largest.ms - largest.floor).toFixed(0)} ms vs ${smallest.ms.toFixed(0)} ms`, met: largest.ms - largest.floor <= 2 * smallest.ms },
		],
	};
}

module.exports = { run };
