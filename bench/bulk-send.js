'use strict';
/**
 * Case 5, bulk send: 500 mails through the local Postfix (STARTTLS, AUTH), from the first byte to
 * the last acceptance. Ours is the Mailbox node's Send Email operation run over 500 input items as
 * n8n runs it; the reference is a bare nodemailer pool (its defaults: up to 5 connections) handed
 * the same 500 mails at once.
 */
const fs = require('node:fs');

const nodemailer = require('nodemailer');

const { Email } = require('../dist/nodes/Email/Email.node');
const { credentialsOf, median, prepareBinaryData, repeat } = require('./lib');

function content(index) {
	return (
		`<p>Alert ${index}: suspicious login from <b>10.0.${index % 250}.7</b>.</p><p>Case: ` +
		`<a href="https://portal.example.test/case/${index}">portal</a></p>`
	);
}

/** Email.execute() with the context n8n gives it: items, parameters per item, credentials. */
async function sendWithNode(info, from, to, count) {
	const items = Array.from({ length: count }, (_, index) => ({ json: { index } }));
	const parameters = { authentication: 'password', operation: 'send', recipients: to, cc: '', bcc: '', options: {} };
	const node = {
		id: 'bench',
		name: 'Mailbox',
		type: 'n8n-nodes-mailbox.email',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const context = {
		getInputData: () => items,
		getNode: () => node,
		// n8n's record of this node's run; the node keeps the state of a wait in its metadata.
		getExecuteData: () => ({ node, data: { main: [items] }, source: null }),
		getCredentials: async () => credentialsOf(info, from),
		continueOnFail: () => false,
		getNodeParameter: (name, itemIndex, fallback) => {
			if (name === 'subject') return `bulk ${itemIndex}`;
			if (name === 'content') return content(itemIndex);
			return parameters[name] === undefined ? fallback : parameters[name];
		},
		helpers: { prepareBinaryData },
		logger: { debug() {}, info() {}, warn() {}, error() {} },
	};
	const [output] = await new Email().execute.call(context);
	const failed = output.filter((item) => !item.json.is_success);
	if (output.length !== count || failed.length)
		throw new Error(`Send Email: ${output.length} items, ${failed.length} not accepted`);
}

async function sendWithPool(info, from, to, count) {
	const { convert } = require('html-to-text');
	const transport = nodemailer.createTransport({
		pool: true,
		host: info.host,
		port: info.ports.smtp,
		secure: false,
		requireTLS: true,
		auth: { user: from, pass: info.password },
		tls: { ca: fs.readFileSync(info.caFile) },
	});
	try {
		const results = await Promise.all(
			Array.from({ length: count }, (_, index) =>
				transport.sendMail({
					from,
					to,
					subject: `bulk ${index}`,
					html: content(index),
					text: convert(content(index), { wordwrap: false }),
				}),
			),
		);
		if (results.some((info) => info.accepted.length === 0)) throw new Error('the pool had mail refused');
	} finally {
		transport.close();
	}
}

async function run({ info, runs, warmups, smoke, log }) {
	const count = smoke ? 20 : 500;
	const from = `bench-sender@${info.domain}`;
	const to = `bench-bulk@${info.domain}`;
	const results = {};
	for (const [key, send] of [
		['ours', sendWithNode],
		['pool', sendWithPool],
	]) {
		const samples = await repeat({ runs, warmups }, async () => {
			const start = performance.now();
			await send(info, from, to, count);
			return (count / (performance.now() - start)) * 1000;
		});
		results[key] = median(samples);
		log(`  ${key}: ${results[key].toFixed(0)} mails/s (runs ${samples.map((s) => s.toFixed(0)).join(', ')})`);
	}
	const ratio = results.ours / results.pool;
	return {
		rows: [
			{
				case: '5 bulk send',
				what: `Send Email over ${count} items (Postfix, STARTTLS)`,
				value: `${results.ours.toFixed(0)} mails/s`,
				ratio: `${ratio.toFixed(2)}x the pool`,
			},
			{
				case: '5 bulk send',
				what: `bare nodemailer pool, ${count} mails at once`,
				value: `${results.pool.toFixed(0)} mails/s`,
			},
		],
		goals: [{ goal: 'bulk send >= 0.8x a bare nodemailer pool', value: `${ratio.toFixed(2)}x`, met: ratio >= 0.8 }],
	};
}

module.exports = { run };
