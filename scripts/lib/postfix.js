'use strict';
/**
 * A private Postfix on 127.0.0.1 for the mail servers of the tests and the demo (root only): SMTP with
 * AUTH (through Dovecot's SASL) and STARTTLS, every foreign domain rewritten to a local catch-all.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { stopPidFile, waitForPort } = require('./processes');
const { which } = require('./systemPackages');

function postfixConfig(base, ports, cert, domain) {
	const conf = path.join(base, 'postfix', 'conf');
	const main = [
		'compatibility_level = 3.6',
		`queue_directory = ${base}/postfix/queue`,
		`data_directory = ${base}/postfix/data`,
		'mail_owner = postfix',
		'setgid_group = postdrop',
		'inet_interfaces = loopback-only',
		'inet_protocols = ipv4',
		'myhostname = mail.example.test',
		'mydomain = example.test',
		'mydestination =',
		'mynetworks = 127.0.0.0/8',
		`virtual_mailbox_domains = ${domain}`,
		`virtual_transport = lmtp:inet:127.0.0.1:${ports.lmtp}`,
		`recipient_canonical_maps = regexp:${conf}/catchall.regexp`,
		'default_transport = error:no external delivery in tests',
		'relay_transport = error:no external delivery in tests',
		'smtpd_sasl_auth_enable = yes',
		'smtpd_sasl_type = dovecot',
		`smtpd_sasl_path = inet:127.0.0.1:${ports.sasl}`,
		'smtpd_tls_security_level = may',
		`smtpd_tls_cert_file = ${cert.crt}`,
		`smtpd_tls_key_file = ${cert.key}`,
		'smtpd_client_restrictions = permit_sasl_authenticated, reject',
		'smtpd_relay_restrictions = permit_sasl_authenticated, reject',
		'smtpd_recipient_restrictions = permit_sasl_authenticated, reject',
		'message_size_limit = 0',
		'mailbox_size_limit = 0',
		`maillog_file_prefixes = ${base}`,
		`maillog_file = ${base}/postfix.log`,
		'queue_run_delay = 1s',
		'minimal_backoff_time = 1s',
		'maximal_backoff_time = 5s',
		'smtpd_error_sleep_time = 0',
		// OAuth2 tokens of Microsoft's size do not fit the default 2048-byte line.
		'line_length_limit = 16384',
		'biff = no',
		'append_dot_mydomain = no',
		'alias_maps =',
		'alias_database =',
		'local_recipient_maps =',
	].join('\n');
	const master = [
		`127.0.0.1:${ports.smtp} inet n - n - - smtpd`,
		'pickup unix n - n 60 1 pickup',
		'cleanup unix n - n - 0 cleanup',
		'qmgr unix n - n 300 1 qmgr',
		'tlsmgr unix - - n 1000? 1 tlsmgr',
		'rewrite unix - - n - - trivial-rewrite',
		'bounce unix - - n - 0 bounce',
		'defer unix - - n - 0 bounce',
		'trace unix - - n - 0 bounce',
		'verify unix - - n - 1 verify',
		'flush unix n - n 1000? 0 flush',
		'proxymap unix - - n - - proxymap',
		'smtp unix - - n - - smtp',
		'relay unix - - n - - smtp',
		'showq unix n - n - - showq',
		'error unix - - n - - error',
		'retry unix - - n - - error',
		'discard unix - - n - - discard',
		'lmtp unix - - n - - lmtp',
		'anvil unix - - n - 1 anvil',
		'scache unix - - n - 1 scache',
		'postlog unix-dgram n - n - 1 postlogd',
	].join('\n');
	fs.mkdirSync(conf, { recursive: true });
	fs.writeFileSync(path.join(conf, 'main.cf'), main + '\n');
	fs.writeFileSync(path.join(conf, 'master.cf'), master + '\n');
	// Every recipient outside the test domain lands in one local mailbox: nothing may leave the machine.
	fs.writeFileSync(path.join(conf, 'catchall.regexp'), `!/@${domain.replace(/\./g, '\\.')}$/ catchall@${domain}\n`);
	// Postfix commands sleep while main.cf is younger than a second.
	const past = new Date(Date.now() - 60_000);
	for (const file of ['main.cf', 'master.cf', 'catchall.regexp']) fs.utimesSync(path.join(conf, file), past, past);
	return conf;
}

/**
 * Postfix reads the default main.cf to authorise an alternate config directory. Entries of folders
 * that are gone are dropped, so the line does not grow with every test run.
 */
function authorisePostfixConfig(conf) {
	const defaultMain = '/etc/postfix/main.cf';
	const defaultText = fs.existsSync(defaultMain) ? fs.readFileSync(defaultMain, 'utf8') : '';
	const line = defaultText.match(/^alternate_config_directories\s*=(.*)$/m);
	const kept = (line ? line[1].trim().split(/[\s,]+/) : []).filter((dir) => dir && dir !== conf && fs.existsSync(dir));
	const entry = `alternate_config_directories = ${[...kept, conf].join(' ')}`;
	const updated = line
		? defaultText.replace(line[0], entry)
		: `${defaultText}${defaultText && !defaultText.endsWith('\n') ? '\n' : ''}${entry}\n`;
	if (updated === defaultText) return;
	fs.writeFileSync(defaultMain, updated);
	const past = new Date(Date.now() - 60_000);
	fs.utimesSync(defaultMain, past, past);
}

/** Starts Postfix under `base` for mail to `domain`; returns its config folder (for stopPostfix). */
async function startPostfix(base, ports, cert, domain) {
	const conf = postfixConfig(base, ports, cert, domain);
	const queue = path.join(base, 'postfix', 'queue');
	fs.mkdirSync(queue, { recursive: true });
	fs.mkdirSync(path.join(base, 'postfix', 'data'), { recursive: true });
	execFileSync('chown', ['postfix', path.join(base, 'postfix', 'data')]);
	stopPostfix(conf);
	const log = fs.openSync(path.join(base, 'postfix.start.log'), 'a');
	const run = (...args) => execFileSync(which('postfix'), ['-c', conf, ...args], { stdio: ['ignore', log, log] });
	try {
		// Several checkouts starting Postfix at once rewrite main.cf side by side: one may drop another's
		// entry, so a refused start is retried after authorising again.
		for (let attempt = 1; ; attempt++) {
			authorisePostfixConfig(conf);
			try {
				run('set-permissions');
				run('start');
				break;
			} catch (error) {
				if (attempt >= 5) throw error;
				await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
			}
		}
	} finally {
		fs.closeSync(log);
	}
	await waitForPort(ports.smtp);
	return conf;
}

function stopPostfix(conf) {
	stopPidFile(path.join(conf, '..', 'queue', 'pid', 'master.pid'));
}

module.exports = { startPostfix, stopPostfix };
