'use strict';
/**
 * Case 3, memory: peak RSS growth of Download Attachments on one mail with a 200 MB attachment
 * (streamed from the server to disk), and of one trigger cycle over 10 mails of 20 MB (whose
 * items carry the attachments as binary data, so their size is a floor), beside n8n's built-in
 * Email Trigger (IMAP) of each installed n8n over the same mails. Each run is a child process of
 * its own.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const {
	builtinHosts,
	credentialsOf,
	giveToMailUser,
	maildirOf,
	markUnread,
	median,
	repeat,
	runChild,
} = require('./lib');

const MB = 2 ** 20;
// Base64 grows content by 4/3 (plus line ends): 15 MB of content makes a mail of about 20 MB.
const SIZES = { downloadBytes: 200 * MB, cycleMails: 10, cycleAttachmentBytes: 15 * MB };
const SMOKE_SIZES = { downloadBytes: 2 * MB, cycleMails: 3, cycleAttachmentBytes: MB };

/**
 * Writes a mail with one attachment of `bytes` pseudo-random bytes straight into the Maildir,
 * streamed in slices, so the benchmark itself never holds it in memory.
 */
function writeBigMail(info, address, index, bytes) {
	const maildir = maildirOf(info, address);
	for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(maildir, sub), { recursive: true });
	const temp = path.join(maildir, 'tmp', `big-${index}`);
	const fd = fs.openSync(temp, 'w');
	const head = [
		`From: Sender <sender@${info.domain}>`,
		`To: ${address}`,
		`Subject: big attachment ${index}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <bench-big-${index}@${info.domain}>`,
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="big"',
		'',
		'--big',
		'Content-Type: text/plain; charset=utf-8',
		'',
		'The capture is attached.',
		'--big',
		`Content-Type: application/octet-stream; name="capture-${index}.pcap"`,
		`Content-Disposition: attachment; filename="capture-${index}.pcap"`,
		'Content-Transfer-Encoding: base64',
		'',
		'',
	].join('\r\n');
	fs.writeSync(fd, head);
	// Slices of 57 x 2^14 bytes: whole 76-character base64 lines each.
	const slice = 57 * 16384;
	const seed = crypto.randomBytes(slice);
	for (let written = 0; written < bytes; written += slice) {
		const chunk = seed.subarray(0, Math.min(slice, bytes - written));
		chunk[0] = written & 0xff;
		fs.writeSync(fd, chunk.toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '') + '\r\n');
	}
	fs.writeSync(fd, '--big--\r\n');
	fs.closeSync(fd);
	const size = fs.statSync(temp).size;
	fs.renameSync(
		temp,
		path.join(
			maildir,
			'cur',
			`${Math.floor(Date.now() / 1000)}.M${String(index).padStart(7, '0')}P${process.pid}.bench,S=${size}:2,`,
		),
	);
	return size;
}

/** `beforeEach` readies the mailbox for a run (the built-in marks what it read). */
async function measure(info, repetitions, config, { nodeBinary, beforeEach = async () => undefined } = {}) {
	const samples = await repeat(repetitions, async () => {
		await beforeEach();
		return runChild(
			path.join(__dirname, 'memory-worker.js'),
			{ ...config, info },
			{ nodeBinary, env: { MAILBOX_EXTRA_CA_FILE: info.caFile } },
		);
	});
	return {
		growth: median(samples.map((s) => s.growth)),
		ms: median(samples.map((s) => s.ms)),
		files: samples[0].files,
		bytes: samples[0].bytes,
		samples,
	};
}

async function run({ info, runs, warmups, smoke, log }) {
	const { downloadBytes, cycleMails, cycleAttachmentBytes } = smoke ? SMOKE_SIZES : SIZES;
	const downloadAddress = `bench-download@${info.domain}`;
	const mailSize = writeBigMail(info, downloadAddress, 0, downloadBytes);
	giveToMailUser(info, downloadAddress);
	const download = await measure(info, { runs, warmups }, { mode: 'download', address: downloadAddress });
	log(
		`  Download Attachments, one mail of ${(mailSize / MB).toFixed(0)} MB: peak RSS ` +
			`growth ${(download.growth / MB).toFixed(0)} MB ` +
			`(runs ${download.samples.map((s) => (s.growth / MB).toFixed(0)).join(', ')}), ` +
			`${(download.ms / 1000).toFixed(1)} s`,
	);
	if (download.bytes !== downloadBytes)
		throw new Error(`Download Attachments saved ${download.bytes} bytes, not ${downloadBytes}`);
	// Only one 200 MB mail on disk at a time.
	fs.rmSync(path.dirname(maildirOf(info, downloadAddress)), { recursive: true, force: true });

	const cycleAddress = `bench-bigcycle@${info.domain}`;
	let cycleBytes = 0;
	for (let index = 0; index < cycleMails; index++)
		cycleBytes += writeBigMail(info, cycleAddress, index, cycleAttachmentBytes);
	giveToMailUser(info, cycleAddress);
	// unreadOnly off and markAsRead off: every run reads the same mails.
	const cycles = {};
	for (const binaryMode of ['default', 'filesystem']) {
		const cycle = await measure(
			info,
			{ runs, warmups },
			{
				mode: 'trigger',
				binaryMode,
				address: cycleAddress,
				expected: cycleMails,
				credentials: credentialsOf(info, cycleAddress),
			},
		);
		log(
			`  trigger cycle, ${cycleMails} mails of ${(cycleBytes / cycleMails / MB).toFixed(0)} ` +
				`MB, ${binaryMode} binary data mode: peak RSS growth ${(cycle.growth / MB).toFixed(0)} ` +
				`MB (runs ${cycle.samples.map((s) => (s.growth / MB).toFixed(0)).join(', ')}), ${(cycle.ms / 1000).toFixed(1)} s`,
		);
		cycles[binaryMode] = cycle;
	}
	// n8n's built-in, in its default format, over the same mails (2.x only reads past a watermark: UID 1).
	const builtins = [];
	for (const { version, typeVersion, nodeBinary, n8nDir } of builtinHosts()) {
		const startUid = typeVersion >= 2.2 ? 1 : undefined;
		for (const binaryMode of ['default', 'filesystem']) {
			const name = `n8n ${version} Email Trigger (IMAP) v${typeVersion}`;
			const cycle = await measure(
				info,
				{ runs, warmups },
				{
					mode: 'builtin',
					binaryMode,
					n8nDir,
					typeVersion,
					startUid,
					address: cycleAddress,
					expected: cycleMails - (startUid ?? 0),
				},
				{ nodeBinary, beforeEach: () => markUnread(info, cycleAddress) },
			);
			log(
				`  ${name}, ${binaryMode} binary data mode: peak RSS growth ${(cycle.growth / MB).toFixed(0)} ` +
					`MB (runs ${cycle.samples.map((s) => (s.growth / MB).toFixed(0)).join(', ')}), ${(cycle.ms / 1000).toFixed(1)} s`,
			);
			builtins.push({ name, binaryMode, cycle });
		}
	}
	fs.rmSync(path.dirname(maildirOf(info, cycleAddress)), { recursive: true, force: true });

	const mb = (bytes) => `${(bytes / MB).toFixed(0)} MB`;
	const ratio = (cycle) => cycle.growth / cycle.bytes;
	const modeNames = {
		default: "n8n's default binary mode (base64 in the items)",
		filesystem: 'filesystem binary mode',
	};
	return {
		rows: [
			{
				case: '3 memory',
				what: `Download Attachments, one ${mb(downloadBytes)} attachment (mail ${mb(mailSize)})`,
				value: `+${mb(download.growth)} RSS`,
				extra: `${(download.ms / 1000).toFixed(1)} s`,
			},
			...Object.entries(cycles).map(([binaryMode, cycle]) => ({
				case: '3 memory',
				what:
					`trigger cycle, ${cycleMails} mails of ${mb(cycleBytes / cycleMails)} (${mb(cycle.bytes)} ` +
					`of attachments), ${modeNames[binaryMode]}`,
				value: `+${mb(cycle.growth)} RSS`,
				extra: `${(cycle.ms / 1000).toFixed(1)} s`,
				ratio: `${ratio(cycle).toFixed(2)}x the attachment bytes`,
			})),
			...builtins.map(({ name, binaryMode, cycle }) => ({
				case: '3 memory',
				what:
					`${name}, format "simple", ${cycle.files} of those mails (${mb(cycle.bytes)} of ` +
					`attachments), ${modeNames[binaryMode]}`,
				value: `+${mb(cycle.growth)} RSS`,
				extra: `${(cycle.ms / 1000).toFixed(1)} s`,
				ratio: `${ratio(cycle).toFixed(2)}x the attachment bytes`,
			})),
		],
		goals: [
			{
				goal: `Download Attachments of ${mb(downloadBytes)} grows RSS < 100 MB`,
				value: mb(download.growth),
				met: download.growth < 100 * MB,
			},
			{
				goal: 'trigger cycle in filesystem binary mode grows RSS <= 1.5x its attachment bytes',
				value: `${ratio(cycles.filesystem).toFixed(2)}x`,
				met: ratio(cycles.filesystem) <= 1.5,
			},
			...builtins.map(({ name, binaryMode, cycle }) => ({
				goal:
					`trigger cycle, ${modeNames[binaryMode]}: RSS growth per attachment byte ` +
					`below ${name.replace('Email Trigger (IMAP) ', '')}'s`,
				value: `${ratio(cycles[binaryMode]).toFixed(2)}x vs ${ratio(cycle).toFixed(2)}x`,
				met: ratio(cycles[binaryMode]) < ratio(cycle),
			})),
		],
	};
}

module.exports = { run };
