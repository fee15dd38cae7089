import { parseAddressList, type Address } from '../addresses';

/** The original of a mail forwarded inline, as the forwarding client quoted it. */
export interface InlineForward {
	from: Address | undefined;
	to: string[];
	cc: string[];
	reply_to: string[];
	subject: string;
	date: string;
	/** The original's text, quote marks of the forward taken off. */
	body: string;
}

/*
 * The line each client writes above the quoted original (English, German, French, Spanish):
 *   Gmail        "---------- Forwarded message ---------"      Thunderbird "-------- Forwarded Message --------"
 *   Outlook      "-----Original Message-----" or a rule of underscores, then From/Sent/To/Subject
 *   Apple Mail   "Begin forwarded message:" then "> From: ..." lines
 * New Outlook writes no line at all: a From line directly followed by a Sent/Date line (see below).
 */
const DASHED_TITLES = [
	'forwarded message',
	'original message',
	'weitergeleitete nachricht',
	'ursprüngliche nachricht',
	'message transféré',
	"message d'origine",
	'message original',
	'mensaje reenviado',
	'mensaje original',
];
const DASHED = new RegExp(`^[ \\t]*-{4,}[ \\t]*(?:${DASHED_TITLES.join('|')})[ \\t]*-{4,}[ \\t]*$`, 'iu');
const APPLE_TITLES = [
	'begin forwarded message',
	'anfang der weitergeleiteten nachricht',
	'début du message réexpédié',
	'inicio del mensaje reenviado',
];
const APPLE = new RegExp(`^[ \\t]*(?:${APPLE_TITLES.join('|')})[ \\t]*:[ \\t]*$`, 'iu');
const RULE = /^[ \t]*_{20,}[ \t]*$/;
const OUTLOOK_DASHED = new RegExp(
	['original message', 'ursprüngliche nachricht', "message d'origine", 'message original', 'mensaje original'].join(
		'|',
	),
	'iu',
);
// Outlook writes the same rule and header block above a reply's history: only a forward's subject
// prefix (English, German, French, Spanish) makes them a forwarded original.
const FORWARD_SUBJECT = /^[ \t]*(?:(?:fwd?|wg|tr|rv|enc|weitergeleitet|reenviado)[ \t]*:[ \t]*)+/iu;

type Field = 'from' | 'to' | 'cc' | 'subject' | 'date' | 'reply_to';

// Field names as the clients write them in the four languages (Gmail keeps some in English).
const LABELS: Record<string, Field> = {
	from: 'from',
	von: 'from',
	de: 'from',
	expéditeur: 'from',
	to: 'to',
	an: 'to',
	à: 'to',
	a: 'to',
	para: 'to',
	pour: 'to',
	destinataire: 'to',
	cc: 'cc',
	kopie: 'cc',
	copie: 'cc',
	'con copia': 'cc',
	subject: 'subject',
	betreff: 'subject',
	objet: 'subject',
	sujet: 'subject',
	asunto: 'subject',
	date: 'date',
	sent: 'date',
	datum: 'date',
	gesendet: 'date',
	envoyé: 'date',
	'envoyé le': 'date',
	enviado: 'date',
	'enviado el': 'date',
	fecha: 'date',
	'reply-to': 'reply_to',
	'antwort an': 'reply_to',
	'répondre à': 'reply_to',
	'responder a': 'reply_to',
};

// "> *From:* value": quote marks and bold stars around the name are the clients' decoration.
const HEADER_LINE = /^[ \t*]*([\p{L}][\p{L} -]{0,20}?)[ \t*]*:[ \t*]*(.*?)[ \t]*$/u;

/** Lines longer than this are never separators or forwarded headers: they are not looked at. */
const MAX_LINE = 400;

function unquote(line: string): string {
	return line.replace(/^>[ \t]?/, '');
}

/** "Ann <a@x.org>" or Outlook's "a@x.org [mailto:a@x.org]" -> addresses. */
function addresses(value: string): Address[] {
	return parseAddressList(value.replace(/\[mailto:[^\]]*\]/gi, '').replace(/\*/g, ''));
}

function headerField(line: string): [Field, string] | undefined {
	if (line.length > MAX_LINE) return undefined;
	const match = HEADER_LINE.exec(line);
	const field = match && LABELS[match[1].trim().toLowerCase()];
	return field && match ? [field, match[2]] : undefined;
}

/** Where the forwarded header block starts: after a separator line, or a bare From + Sent/Date pair. */
function headerStart(lines: string[], forwardSubject: boolean): { start: number; quoted: boolean } | undefined {
	for (let index = 0; index < lines.length; index++) {
		const line = lines[index];
		if (line.length > MAX_LINE) continue;
		const plain = unquote(line);
		if (DASHED.test(plain) && (forwardSubject || !OUTLOOK_DASHED.test(plain)))
			return { start: index + 1, quoted: line !== plain };
		if (APPLE.test(plain)) return { start: index + 1, quoted: true };
		if (!forwardSubject) continue;
		if (RULE.test(plain)) return { start: index + 1, quoted: line !== plain };
		const field = headerField(plain);
		if (field?.[0] === 'from' && headerField(unquote(lines[index + 1] ?? ''))?.[0] === 'date')
			return { start: index, quoted: line !== plain };
	}
	return undefined;
}

/**
 * The original of an inline-forwarded mail, read from the forward's text: its quoted header block
 * (From, To, Cc, Subject, Date) and the text below it. Undefined when the text holds no forward.
 * Gmail's, Thunderbird's and Apple Mail's forward lines count whatever the subject; Outlook's, which
 * it also writes above replies, only under a forward's subject (Fw:, WG:, TR:, RV:, ...).
 * One pass over the lines with anchored patterns on short lines: linear in the text's length.
 */
export function parseInlineForward(text: string, subject: string): InlineForward | undefined {
	if (!text) return undefined;
	const lines = text.split(/\r?\n/);
	const found = headerStart(lines, FORWARD_SUBJECT.test(subject));
	if (!found) return undefined;
	let index = found.start;
	const strip = (line: string) => (found.quoted ? unquote(line) : line);
	while (index < lines.length && !strip(lines[index]).trim()) index++;
	const values: Partial<Record<Field, string>> = {};
	for (; index < lines.length; index++) {
		const line = strip(lines[index]);
		if (!line.trim()) break;
		const field = headerField(line);
		if (!field) {
			// Outlook wraps a long To/Cc line: the continuation has no name of its own.
			if (Object.keys(values).length > 0 && /^[ \t]/.test(line) && line.length <= MAX_LINE) continue;
			break;
		}
		values[field[0]] ??= field[1];
	}
	if (values.from === undefined || (values.subject === undefined && values.date === undefined)) return undefined;
	const list = (value: string | undefined) =>
		addresses(value ?? '')
			.map((entry) => entry.address)
			.filter(Boolean);
	return {
		from: addresses(values.from)[0],
		to: list(values.to),
		cc: list(values.cc),
		reply_to: list(values.reply_to),
		subject: values.subject ?? '',
		date: values.date ?? '',
		body: lines.slice(index).map(strip).join('\n').trim(),
	};
}
