import {
	advanceCursor,
	applyExtractionRules,
	compileEnvironmentRule,
	compileExtractionRules,
	extractionRuleList,
	compileForwardedRules,
	extractEnvironment,
	extractForwarded,
	firstPendingUid,
	isForwardedSubject,
	MailError,
	pendingUids,
	prepareTrigger,
	sinceDate,
	type TriggerSettings,
} from '../../nodes/mail';
import { APPLE_BODY, GMAIL_BODY, ORIGINAL, OUTLOOK_BODY, OUTLOOK_DESKTOP_BODY } from '../fixtures/forwarded';

describe('extraction rules', () => {
	it('collects every match (first group when there is one) under regex and the flat regex_<name> keys', () => {
		const rules = compileExtractionRules([
			{ name: 'ip', regex: '\\b(\\d{1,3}(?:\\.\\d{1,3}){3})\\b' },
			{ name: 'ticket', regex: 'INC-\\d+' },
			{ name: 'none', regex: 'zzz' },
		]);
		const result = applyExtractionRules(rules, 'from 10.0.0.1 and 192.168.1.20, see INC-42');
		expect(result.regex).toEqual({ ip: ['10.0.0.1', '192.168.1.20'], ticket: ['INC-42'], none: [] });
		expect(result.flat).toEqual({
			regex_ip: '10.0.0.1',
			regex_ip_1: '10.0.0.1',
			regex_ip_2: '192.168.1.20',
			regex_ticket: 'INC-42',
			regex_ticket_1: 'INC-42',
		});
	});

	it('refuses an invalid regex with an error naming the parameter and the rule', () => {
		expect(() => compileExtractionRules([{ name: 'bad', regex: '(unclosed' }])).toThrow(/Extraction Rules.*"bad"/);
		expect(() => compileExtractionRules([{ name: 'backref', regex: '(a)\\1' }])).toThrow(MailError);
		expect(() => compileEnvironmentRule('[', 'subject', 'x')).toThrow(/Environment Regex/);
	});

	it('runs (a+)+$ against 100 KB of "a" followed by "!" at once (linear-time engine)', () => {
		const rules = compileExtractionRules([{ name: 'redos', regex: '(a+)+$' }]);
		const started = Date.now();
		const result = applyExtractionRules(rules, `${'a'.repeat(100_000)}!`);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(result.regex.redos).toEqual([]);
	});

	it('reads the environment from the chosen field, else the default', () => {
		const rule = compileEnvironmentRule('\\[(PROD|DEV)\\]', 'subject', 'Default Environment');
		expect(extractEnvironment(rule, { subject: 'Alert [PROD] disk' })).toBe('PROD');
		expect(extractEnvironment(rule, { subject: 'no tag' })).toBe('Default Environment');
		expect(extractEnvironment(compileEnvironmentRule('', 'subject', 'Fallback'), { subject: '[PROD]' })).toBe(
			'Fallback',
		);
		expect(extractEnvironment(compileEnvironmentRule('corp', 'to', 'x'), { to: ['a@corp.test'] })).toBe('corp');
	});
});

describe('forwarded mail', () => {
	it.each([
		['Gmail', GMAIL_BODY],
		['Outlook (web)', OUTLOOK_BODY],
		['Outlook (desktop)', OUTLOOK_DESKTOP_BODY],
		['Apple Mail', APPLE_BODY],
	])('reads the original subject, from and to out of a %s forward', (_client, body) => {
		expect(extractForwarded(compileForwardedRules(''), body)).toEqual(ORIGINAL);
	});

	it('recognises Fwd:/Fw:/FWD: subjects only', () => {
		expect(['Fwd: x', 'FW: x', 'fw:x', ' Fwd : x'].map(isForwardedSubject)).toEqual([true, true, true, true]);
		expect(['Re: x', 'Forward planning', 'x Fwd:'].map(isForwardedSubject)).toEqual([false, false, false]);
	});

	it('takes user regexes from JSON and names the parameter when the JSON is broken', () => {
		const rules = compileForwardedRules('{"subject": "(?m)^Betreff: (.+)$"}');
		expect(extractForwarded(rules, 'Betreff: Hallo\nFrom: a@b.test').subject).toBe('Hallo');
		expect(() => compileForwardedRules('{subject: ')).toThrow(/Forwarded Email Regexes is not valid JSON/);
		expect(() => compileForwardedRules('{"from": "("}')).toThrow(/Forwarded Email Regexes: "from"/);
	});
});

describe('cursor', () => {
	it('starts over when UIDVALIDITY changes and only moves past emitted or vanished UIDs', () => {
		expect(firstPendingUid(undefined, '7')).toBe(1);
		expect(firstPendingUid({ uidValidity: '7', lastUid: 10 }, '7')).toBe(11);
		expect(firstPendingUid({ uidValidity: '7', lastUid: 10 }, '8')).toBe(1);
		// `11:*` returns the highest UID even when it is below 11.
		expect(pendingUids([9, 12, 11, 14], 11, 2)).toEqual([11, 12]);
		const outcome = (uid: number) => (uid === 12 ? 'gone' : uid === 14 ? 'not-reached' : 'emitted');
		expect(advanceCursor({ uidValidity: '7', lastUid: 10 }, '7', [11, 12, 13, 14, 15], outcome)).toEqual({
			uidValidity: '7',
			lastUid: 13,
		});
		expect(advanceCursor({ uidValidity: '7', lastUid: 10 }, '8', [], () => 'emitted')).toEqual({
			uidValidity: '8',
			lastUid: 0,
		});
	});
});

describe('offset window', () => {
	it('counts days in the server time zone', () => {
		// 23:30 UTC on 10 March is already 11 March in Berlin and still 10 March in New York.
		const now = new Date('2024-03-10T23:30:00Z');
		expect(sinceDate(now, 0, 'UTC').toISOString()).toBe('2024-03-10T00:00:00.000Z');
		expect(sinceDate(now, 0, 'Europe/Berlin').toISOString()).toBe('2024-03-11T00:00:00.000Z');
		expect(sinceDate(now, 5, 'Europe/Berlin').toISOString()).toBe('2024-03-06T00:00:00.000Z');
		expect(sinceDate(new Date('2024-03-11T03:00:00Z'), 0, 'America/New_York').toISOString()).toBe(
			'2024-03-10T00:00:00.000Z',
		);
		expect(sinceDate(new Date('2024-03-01T10:00:00Z'), 1, 'UTC').toISOString()).toBe('2024-02-29T00:00:00.000Z');
	});

	it('refuses an unknown time zone naming the parameter', () => {
		const settings = {
			folders: 'INBOX',
			serverTimeZone: 'Mars/Olympus',
			offsetDays: 5,
			maxEmailsPerCycle: 10,
			scriptTimeoutSeconds: 60,
			extractionRules: [],
			forwardedEmailRegexes: '',
			environmentField: 'subject',
			environmentRegex: '',
			defaultEnvironment: 'D',
			productFieldName: '',
			eventFieldName: '',
		} as unknown as TriggerSettings;
		expect(() => prepareTrigger(settings)).toThrow(/Server Time Zone "Mars\/Olympus"/);
		expect(() => prepareTrigger({ ...settings, serverTimeZone: 'UTC', folders: ' , ' })).toThrow(/Folders is empty/);
	});
});

describe('extractionRuleList', () => {
	const rule = { name: 'ip', regex: '\\d+' };

	it('reads the editor form, a plain list and a JSON string of either', () => {
		expect(extractionRuleList({ rules: [rule] })).toEqual([rule]);
		expect(extractionRuleList([rule])).toEqual([rule]);
		expect(extractionRuleList(JSON.stringify([rule]))).toEqual([rule]);
		expect(extractionRuleList(JSON.stringify({ rules: [rule] }))).toEqual([rule]);
		expect(extractionRuleList({})).toEqual([]);
		expect(extractionRuleList('')).toEqual([]);
	});

	it('names the parameter when the JSON is broken', () => {
		expect(() => extractionRuleList('[{"name": ')).toThrow(/Extraction Rules is not valid JSON/);
	});
});
