import { RE2JS } from 're2js';

import { parseAddressList } from './addresses';
import { MailError } from './errors';

/*
 * Every regex here comes from a user and runs on attacker-controlled mail, so all of them run on
 * re2js (RE2 semantics: linear time in the input, no backtracking). A rule like `(a+)+$` cannot
 * stall the n8n process whatever the mail holds.
 */

export interface ExtractionRule {
	name: string;
	regex: string;
}

interface CompiledRule {
	name: string;
	pattern: RE2JS;
}

/** Enough for any real indicator list; a hostile mail cannot make an item grow without bound. */
const MAX_MATCHES_PER_RULE = 100;

function compile(regex: string, what: string): RE2JS {
	try {
		return RE2JS.compile(regex);
	} catch (error) {
		throw new MailError(
			'INVALID_INPUT',
			`${what} is not a valid regular expression (${(error as Error).message}). Patterns ` +
				`use RE2 syntax: no backreferences or lookarounds.`,
		);
	}
}

/** A user's regex compiled for linear-time matching; a bad one is an error naming `what`. */
export const compileUserRegex = compile;

/**
 * The rules as the editor stores them (`{rules: [{name, regex}]}`), or written by hand in a
 * workflow file as a plain list or a JSON string of one.
 */
export function extractionRuleList(value: unknown): ExtractionRule[] {
	if (typeof value === 'string') {
		if (!value.trim()) return [];
		try {
			return extractionRuleList(JSON.parse(value));
		} catch {
			throw new MailError(
				'INVALID_INPUT',
				'Extraction Rules is not valid JSON: give a list of {"name", "regex"} objects, or add rules in ' +
					'the editor.',
			);
		}
	}
	if (Array.isArray(value)) return value as ExtractionRule[];
	if (value && typeof value === 'object')
		return (Object.values(value).find(Array.isArray) as ExtractionRule[] | undefined) ?? [];
	return [];
}

/** Compiles the rules once per cycle; a bad pattern is an error that names the rule. */
export function compileExtractionRules(rules: ExtractionRule[]): CompiledRule[] {
	return rules
		.filter((rule) => rule && (rule.name ?? '').trim() && (rule.regex ?? '') !== '')
		.map((rule) => ({
			name: rule.name.trim(),
			pattern: compile(rule.regex, `Extraction Rules: the regex of rule "${rule.name.trim()}"`),
		}));
}

/** Every match of `pattern` in `text`: the first group when the pattern has one, else the whole match. */
function allMatches(pattern: RE2JS, text: string, limit = MAX_MATCHES_PER_RULE): string[] {
	const matcher = pattern.matcher(text);
	const group = pattern.groupCount() > 0 ? 1 : 0;
	const found: string[] = [];
	while (found.length < limit && matcher.find()) {
		found.push(matcher.group(group) ?? '');
		// An empty match would find itself again forever.
		if (matcher.end() === matcher.start() && matcher.end() >= text.length) break;
	}
	return found;
}

export interface ExtractionResult {
	/** `{rule name: [matches]}` */
	regex: Record<string, string[]>;
	/** The seed's flat keys: `regex_<name>` (first match) and `regex_<name>_1..n` (each match). */
	flat: Record<string, string>;
}

export function applyExtractionRules(rules: CompiledRule[], text: string): ExtractionResult {
	const result: ExtractionResult = { regex: {}, flat: {} };
	for (const rule of rules) {
		const matches = allMatches(rule.pattern, text);
		result.regex[rule.name] = matches;
		if (matches.length === 0) continue;
		result.flat[`regex_${rule.name}`] = matches[0];
		matches.forEach((match, index) => {
			result.flat[`regex_${rule.name}_${index + 1}`] = match;
		});
	}
	return result;
}

export interface EnvironmentRule {
	pattern?: RE2JS;
	field: string;
	fallback: string;
}

export function compileEnvironmentRule(regex: string, field: string, fallback: string): EnvironmentRule {
	return { pattern: regex ? compile(regex, 'Environment Regex') : undefined, field: field || 'subject', fallback };
}

/** First match (or its first group) of the environment regex in the chosen field, else the default. */
export function extractEnvironment(rule: EnvironmentRule, fields: Record<string, unknown>): string {
	if (!rule.pattern) return rule.fallback;
	const value = fields[rule.field];
	const text = Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '' : String(value);
	const [first] = allMatches(rule.pattern, text, 1);
	return first ? first.trim() : rule.fallback;
}

export interface ForwardedRules {
	subject: RE2JS;
	from: RE2JS;
	to: RE2JS;
}

/*
 * The header block clients quote when forwarding, one "Name: value" per line:
 *   Gmail:      "---------- Forwarded message ---------" then From/Date/Subject/To
 *   Outlook:    "________________________________" (or "-----Original Message-----") then From/Sent/To/Subject,
 *               names sometimes bold ("*From:*") and addresses as "a@x.org [mailto:a@x.org]"
 *   Apple Mail: "Begin forwarded message:" then From/Subject/Date/To, often quoted with "> "
 */
export const DEFAULT_FORWARDED_REGEXES = {
	subject: '(?mi)^[ \\t>*]*subject:[ \\t*]*(.+?)[ \\t]*$',
	from: '(?mi)^[ \\t>*]*from:[ \\t*]*(.+?)[ \\t]*$',
	to: '(?mi)^[ \\t>*]*to:[ \\t*]*(.+?)[ \\t]*$',
};

/** Parses the `forwardedEmailRegexes` JSON; keys left out keep the built-in patterns. */
export function compileForwardedRules(json: string | undefined): ForwardedRules {
	let overrides: Record<string, unknown> = {};
	if (json && json.trim()) {
		try {
			overrides = JSON.parse(json) as Record<string, unknown>;
		} catch (error) {
			throw new MailError(
				'INVALID_INPUT',
				`Forwarded Email Regexes is not valid JSON (${(error as Error).message}): write ` +
					`{"subject": "...", "from": "...", "to": "..."}.`,
			);
		}
		if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) {
			throw new MailError(
				'INVALID_INPUT',
				'Forwarded Email Regexes must be a JSON object like {"subject": "...", "from": "...", "to": "..."}.',
			);
		}
	}
	const pick = (key: keyof typeof DEFAULT_FORWARDED_REGEXES) => {
		const value = overrides[key];
		if (value !== undefined && typeof value !== 'string') {
			throw new MailError(
				'INVALID_INPUT',
				`Forwarded Email Regexes: "${key}" must be a string holding a regular expression.`,
			);
		}
		return compile(value || DEFAULT_FORWARDED_REGEXES[key], `Forwarded Email Regexes: "${key}"`);
	};
	return { subject: pick('subject'), from: pick('from'), to: pick('to') };
}

const FORWARD_SUBJECT = /^\s*(?:fwd?|fw)\s*:/i;

export function isForwardedSubject(subject: string): boolean {
	return FORWARD_SUBJECT.test(subject);
}

// Where the quoted original starts; searching from there keeps the forwarder's own text out.
const FORWARD_MARKER = RE2JS.compile(
	'(?i)(forwarded message|begin forwarded message|original message|^_{10,}\\s*$)',
	RE2JS.MULTILINE,
);

export interface ForwardedFields {
	subject: string;
	from: string;
	to: string[];
}

/** Outlook writes "Ann <a@x.org>" or "a@x.org [mailto:a@x.org]"; both become the plain address. */
function addressesIn(value: string): string[] {
	const cleaned = value.replace(/\[mailto:[^\]]*\]/gi, '').replace(/[*]/g, '');
	return parseAddressList(cleaned)
		.map((entry) => entry.address)
		.filter(Boolean);
}

/** The original subject, sender and recipients of a forwarded mail, read from its body. */
export function extractForwarded(rules: ForwardedRules, body: string): ForwardedFields {
	const marker = FORWARD_MARKER.matcher(body);
	const quoted = marker.find() ? body.slice(marker.start()) : body;
	const first = (pattern: RE2JS) => allMatches(pattern, quoted, 1)[0]?.trim() ?? '';
	const from = first(rules.from);
	return {
		subject: first(rules.subject),
		from: addressesIn(from)[0] ?? from,
		to: addressesIn(first(rules.to)),
	};
}
