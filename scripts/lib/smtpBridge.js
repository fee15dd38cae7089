'use strict';
/** An SMTP server for the mail servers of the tests and the demo when Postfix cannot run (no root). */
const crypto = require('node:crypto');
const fs = require('node:fs');

/** The checks Dovecot's oauth2 passdb makes (JWT, HS256, `issuer`), for the bridge's XOAUTH2. */
function validToken(token, username, key, issuer) {
	const [header, payload, signature] = String(token || '').split('.');
	if (!signature) return false;
	const expected = crypto
		.createHmac('sha256', Buffer.from(key, 'base64'))
		.update(`${header}.${payload}`)
		.digest('base64url');
	if (expected !== signature) return false;
	const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
	return (
		claims.iss === issuer &&
		claims.exp * 1000 > Date.now() &&
		String(claims.email).toLowerCase() === username.toLowerCase()
	);
}

/**
 * Stands in for Postfix without root: AUTH against the shared `password` (or an XOAUTH2 token signed
 * with `oauthKey`), delivery over LMTP to Dovecot; mail to a foreign domain goes to catchall@`domain`.
 */
async function startSmtpBridge(ports, cert, { oauthKey, issuer, domain, password }) {
	const { SMTPServer } = require('smtp-server');
	const { SMTPConnection } = require('nodemailer/lib/smtp-connection');
	const deliver = (envelope, raw) =>
		new Promise((resolve, reject) => {
			const connection = new SMTPConnection({ host: '127.0.0.1', port: ports.lmtp, lmtp: true, ignoreTLS: true });
			connection.once('error', reject);
			connection.connect(() => {
				const recipients = envelope.rcptTo.map((r) =>
					r.address.toLowerCase().endsWith(`@${domain}`) ? r.address : `catchall@${domain}`,
				);
				connection.send({ from: envelope.mailFrom ? envelope.mailFrom.address : '', to: recipients }, raw, (error) => {
					connection.quit();
					if (error) reject(error);
					else resolve();
				});
			});
		});
	const server = new SMTPServer({
		secure: false,
		key: fs.readFileSync(cert.key),
		cert: fs.readFileSync(cert.crt),
		authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
		size: 0,
		onAuth(auth, _session, callback) {
			if (auth.method === 'XOAUTH2') {
				if (validToken(auth.accessToken, auth.username, oauthKey, issuer)) callback(null, { user: auth.username });
				else callback(null, { data: { status: '401', schemes: 'bearer' } });
				return;
			}
			if (auth.password === password && auth.username.endsWith(`@${domain}`)) callback(null, { user: auth.username });
			else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
		},
		onData(stream, session, callback) {
			const chunks = [];
			stream.on('data', (chunk) => chunks.push(chunk));
			stream.on('end', () => {
				deliver(session.envelope, Buffer.concat(chunks)).then(() => callback(), callback);
			});
		},
	});
	await new Promise((resolve) => server.listen(ports.smtp, '127.0.0.1', resolve));
	return server;
}

module.exports = { startSmtpBridge };
