'use strict';
/** The mail of bench/many-mailboxes.js: when each mail arrives, what it says, and its local delivery into a Maildir. */
const fs = require('node:fs');
const path = require('node:path');

const { maildirOf, seeded } = require('./lib');

/** The same arrival times for both phases: `perMailbox` mails per mailbox at seeded random moments of the window. */
function schedule({ mailboxes, windowMs, perMailbox }) {
	const random = seeded(42);
	const arrivals = [];
	for (let box = 0; box < mailboxes; box++) {
		for (let n = 0; n < perMailbox; n++) arrivals.push({ box, n, at: Math.floor(random() * windowMs) });
	}
	return arrivals.sort((a, b) => a.at - b.at);
}

function mail(address, tag) {
	return Buffer.from(
		[
			`From: Alerts <alerts@sender.example.test>`,
			`To: ${address}`,
			`Subject: [${tag}] suspicious login`,
			`Date: ${new Date().toUTCString()}`,
			`Message-ID: <${tag}@sender.example.test>`,
			'MIME-Version: 1.0',
			'Content-Type: text/plain; charset=utf-8',
			'',
			`Suspicious login for ${address} from 10.0.0.${tag.length}; ticket ${tag}.`,
			'',
		].join('\r\n'),
	);
}

/** Local delivery: written under tmp/, owned by the mail user, renamed into new/. */
function deliver(info, address, content, index) {
	const maildir = maildirOf(info, address);
	const { uid, gid } = fs.statSync(maildir);
	const name = `${Date.now()}.M${index}P${process.pid}.bench`;
	const temp = path.join(maildir, 'tmp', name);
	fs.writeFileSync(temp, content);
	fs.chownSync(temp, uid, gid);
	fs.renameSync(temp, path.join(maildir, 'new', name));
}

module.exports = { deliver, mail, schedule };
