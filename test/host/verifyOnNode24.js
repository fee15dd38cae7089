'use strict';
/**
 * Runs under Node 24 (mailauth 7 needs Node 22.19; jest runs on the machine's Node 20): reads
 * { dist, records, mails } as JSON from stdin, checks each mail (base64) with the built package's
 * verifyAuthentication and analyzeEmail through a resolver that serves `records` from memory, and
 * prints the verdicts as one JSON line.
 */
const fs = require('node:fs');
const path = require('node:path');

const { dist, records, mails } = JSON.parse(fs.readFileSync(0, 'utf8'));
const { analyzeEmail, verifyAuthentication } = require(path.join(dist, 'nodes', 'mail'));

/** dns.promises.resolve as mailauth calls it, from `records` ("TXT name" -> TXT strings); nothing else exists. */
async function resolver(name, rrtype) {
	const answer = records[`${rrtype} ${name.toLowerCase()}`];
	if (answer) return answer;
	throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

async function main() {
	const results = [];
	for (const mail of mails) {
		const bytes = Buffer.from(mail, 'base64');
		const verified = await verifyAuthentication(bytes, { resolver });
		const analysed = (await analyzeEmail(bytes, { verifyAuthentication: true, resolver })).analysis.reporter
			.authentication;
		results.push({ verified, analysed });
	}
	process.stdout.write(`${JSON.stringify({ node: process.versions.node, results })}\n`);
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
