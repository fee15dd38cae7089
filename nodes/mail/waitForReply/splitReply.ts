/**
 * Splits a reply into what the person typed and the history their mail client quoted below (or
 * above) it, the way Gmail, Outlook (desktop, web, mobile), Apple Mail, Thunderbird and phone clients
 * write replies, with quote headers in English, German, French, Spanish, Japanese and a few more.
 *
 * Reply bodies are attacker-controlled: the text is walked line by line, each line is looked at a
 * bounded number of times, and every pattern is a plain anchored regex without nested quantifiers,
 * run only on lines of bounded length, so the cost stays linear in the size of the text.
 */

/** Lines longer than this are never a quote header (real ones are well under 300 characters). */
const MAX_HEADER_LINE = 400;

/** How many lines a client may wrap its "On … wrote:" attribution over. */
const MAX_ATTRIBUTION_LINES = 3;

/** How far below a "From:" line the rest of an Outlook header block (Sent:, To:, Subject:) is looked for. */
const HEADER_BLOCK_LOOKAHEAD = 4;

/** A line quoted with `>` (Thunderbird, Apple Mail, Gmail's text part, HTML blockquotes rendered to text). */
const isQuoted = (line: string) => /^\s*>/.test(line);

/**
 * Attributions that start with a word saying "on <date>" and end with "wrote" in the client's
 * language; they always carry a date or time, which keeps a typed sentence like "On it, I wrote:" out.
 */
const ATTRIBUTIONS: RegExp[] = [
	/^On\s.*\swrote\s?:$/i, // Gmail, Apple Mail, Thunderbird, Yahoo (en)
	/^Am\s.*\sschrieb(\s.*)?:$/, // Gmail, Apple Mail, Thunderbird (de)
	/^Le\s.*\s(a\s+)?écrit\s?:$/, // Gmail, Apple Mail, Thunderbird (fr)
	/^El\s.*\sescribió\s?:$/, // Gmail, Apple Mail, Thunderbird (es)
	/^Il\s.*\s(ha\s)?scritto\s?:$/, // it
	/^Em\s.*\sescreveu\s?:$/, // pt
	/^Op\s.*\sschreef(\s.*)?:$/, // nl
	/^Den\s.*\sskrev(\s.*)?:$/, // da, no, sv
	/^\d{4}年\d{1,2}月\d{1,2}日.*[:：]$/, // Gmail (ja): 2025年3月3日(月) 10:00 Name <address>:
	/^\d{4}\/\d{1,2}\/\d{1,2}.*(のメール|のメッセージ|書きました)[:：]$/, // Apple Mail, Thunderbird (ja)
	/^在.*写道[:：]$/, // zh
];

/** Attributions without a date: they count only when quoted lines follow them. */
const BARE_ATTRIBUTIONS: RegExp[] = [/^.*\S\s+(wrote|schrieb|a écrit|escribió)\s?:$/, /^.*さん(は|が)書きました[:：]$/];

/** A line that begins an attribution; a wrapped attribution never has one of these on a later line. */
const ATTRIBUTION_START = /^(On|Am|Le|El|Il|Em|Op|Den)\s|^\d{4}[年/]/;

/** "-----Original Message-----" and its translations: everything below is history. */
const ORIGINAL_MESSAGE_TITLES = [
	'Original Message',
	'Ursprüngliche Nachricht',
	'Originalnachricht',
	"Message d'origine",
	'Message original',
	'Mensaje original',
	'Mensaje de origen',
	'Messaggio originale',
	'Oorspronkelijk bericht',
	'元のメッセージ',
	'Forwarded message',
	'Weitergeleitete Nachricht',
	'Message transféré',
	'Mensaje reenviado',
];
const ORIGINAL_MESSAGE = new RegExp(`^-{2,}\\s*(${ORIGINAL_MESSAGE_TITLES.join('|')})\\s*-{2,}$`, 'i');

/** First line of an Outlook-style header block (Outlook desktop and web, Samsung, many phone clients). */
const FROM_HEADER = /^\*?(From|Von|De|Van|Da|Från|Fra|Od|差出人|送信者|发件人|寄件者)\s?\*?\s?[:：]/i;

/** Later lines of that block. */
const OTHER_HEADER_NAMES = [
	'Sent',
	'Date',
	'To',
	'Subject',
	'Cc',
	'Gesendet',
	'Datum',
	'An',
	'Betreff',
	'Envoyé',
	'À',
	'Objet',
	'Enviado(\\sel)?',
	'Fecha',
	'Para',
	'Asunto',
	'Inviato',
	'Oggetto',
	'Verzonden',
	'Aan',
	'Onderwerp',
	'送信日時',
	'日時',
	'宛先',
	'件名',
];
const OTHER_HEADER = new RegExp(`^\\*?(${OTHER_HEADER_NAMES.join('|')})\\s?\\*?\\s?[:：]`, 'i');

/** A rule line clients put above the header block (Outlook's 32 underscores, an HTML <hr> rendered to text). */
const SEPARATOR = /^(_{10,}|-{10,}|—{5,})$/;

/** Where a signature or a client's footer starts ("-- ", "Sent from my iPhone", "Get Outlook for iOS"). */
const SIGNATURE_START: RegExp[] = [
	/^(--|-- |---|__|___)$/,
	/^(Sent from|Sent with|Sent via|Get Outlook for)\s/i,
	/^(Von meinem|Gesendet von|Gesendet mit)\s/i,
	/^(Envoyé de|Envoyé depuis|Envoyé avec|Obtenir Outlook pour|Télécharger Outlook pour)\s/i,
	/^(Enviado desde|Enviado con|Obtener Outlook para|Descargar Outlook para)\s/i,
	/^.{1,40}から送信$/, // ja: iPhoneから送信
	/^Outlook for .{1,20}を入手$/, // ja
];

/** Closing words: they start a signature when the reply goes on below them (a name, a title). */
const CLOSING_WORDS = [
	'Best',
	'Best regards',
	'Kind regards',
	'Regards',
	'Many thanks',
	'Thanks',
	'Thank you',
	'Cheers',
	'Mit freundlichen Grüßen',
	'Freundliche Grüße',
	'Viele Grüße',
	'Beste Grüße',
	'Liebe Grüße',
	'Gruß',
	'Grüße',
	'Cordialement',
	'Bien cordialement',
	'Bien à vous',
	'Salutations',
	'Saludos',
	'Un saludo',
	'Saludos cordiales',
	'Atentamente',
	'よろしくお願いします',
	'よろしくお願いいたします',
	'以上',
];
const CLOSING = new RegExp(`^(${CLOSING_WORDS.join('|')})[,.!！。]?$`, 'i');

const THANKS_AS_ANSWER = /^(Thanks|Thank you|Many thanks)[.!]?$/i;

/**
 * Yahoo Mail writes its attribution and the first line of the history on one line
 * ("On Mon, Mar 3, 2025 at 10:00, Bot<bot@x> wrote:   Block the…"); found with indexOf, not a regex.
 */
function isInlineAttribution(line: string): boolean {
	const at = line.indexOf(' wrote:');
	return line.startsWith('On ') && at > 0 && /\d/.test(line.slice(0, at)) && /^\s+\S/.test(line.slice(at + 7, at + 12));
}

/**
 * The reply's lines with what the rules look at computed once: the trimmed text (empty for overlong lines) and the
 * quote mark.
 */
interface Lines {
	raw: string[];
	text: string[];
	quoted: boolean[];
}

function readLines(text: string): Lines {
	const raw = text.replace(/\r\n?/g, '\n').split('\n');
	return {
		raw,
		text: raw.map((line) => (line.length <= MAX_HEADER_LINE ? line.trim() : '')),
		quoted: raw.map(isQuoted),
	};
}

const isBlank = (lines: Lines, index: number) => lines.text[index] === '' && lines.raw[index].length <= MAX_HEADER_LINE;

function nextContentLine(lines: Lines, from: number): number {
	let index = from;
	while (index < lines.raw.length && isBlank(lines, index)) index++;
	return index;
}

/** Index of the last line of an attribution starting at `start`, or -1. */
function attributionEnd(lines: Lines, start: number): number {
	if (!ATTRIBUTION_START.test(lines.text[start])) return -1;
	const parts: string[] = [];
	for (let end = start; end < Math.min(lines.raw.length, start + MAX_ATTRIBUTION_LINES); end++) {
		const line = lines.text[end];
		if (!line || lines.quoted[end] || (end > start && ATTRIBUTION_START.test(line))) return -1;
		parts.push(line);
		if (!/[:：]$/.test(line)) continue;
		const candidate = parts.join(' ');
		if (/\d/.test(candidate) && ATTRIBUTIONS.some((pattern) => pattern.test(candidate))) return end;
	}
	return -1;
}

/** Whether an Outlook-style header block ("From:" then "Sent:", "To:", "Subject:") starts at `start`. */
function isHeaderBlock(lines: Lines, start: number): boolean {
	if (!FROM_HEADER.test(lines.text[start])) return false;
	const last = Math.min(lines.raw.length, start + 1 + HEADER_BLOCK_LOOKAHEAD);
	for (let index = start + 1; index < last; index++) {
		if (OTHER_HEADER.test(lines.text[index])) return true;
	}
	return false;
}

/**
 * Indexes of the lines the person wrote: quoted lines, attributions and unquoted history below a header are
 * dropped.
 */
function ownLines(lines: Lines): number[] {
	const kept: number[] = [];
	for (let index = 0; index < lines.raw.length; index++) {
		if (lines.quoted[index]) continue;
		const line = lines.text[index];
		if (!line) {
			kept.push(index);
			continue;
		}
		if (ORIGINAL_MESSAGE.test(line) || isInlineAttribution(line) || isHeaderBlock(lines, index)) break;
		let end = attributionEnd(lines, index);
		if (end < 0 && BARE_ATTRIBUTIONS.some((pattern) => pattern.test(line))) {
			// "Ann wrote:" counts only with quoted lines below; else it is a sentence of the reply.
			const next = nextContentLine(lines, index + 1);
			if (next < lines.raw.length && lines.quoted[next]) end = index;
		}
		if (end >= 0) {
			const next = nextContentLine(lines, end + 1);
			// History the client did not mark with ">" (Yahoo, some phone clients): nothing below is the reply.
			if (next < lines.raw.length && !lines.quoted[next]) break;
			index = end;
			continue;
		}
		kept.push(index);
	}
	// The rule line above a header block, and blank lines, belong to the history.
	while (
		kept.length > 0 &&
		(isBlank(lines, kept[kept.length - 1]) || SEPARATOR.test(lines.text[kept[kept.length - 1]]))
	)
		kept.pop();
	return kept;
}

/** The lines above the signature or a client's footer. */
function withoutSignature(lines: Lines, own: number[]): number[] {
	let answered = false;
	for (let position = 0; position < own.length; position++) {
		const line = lines.text[own[position]];
		if (!line) continue;
		if (SIGNATURE_START.some((pattern) => pattern.test(line))) return own.slice(0, position);
		// Thanks without a comma as the first line is the answer itself ("Thanks!" above a name).
		if (position < own.length - 1 && CLOSING.test(line) && (answered || !THANKS_AS_ANSWER.test(line)))
			return own.slice(0, position);
		answered = true;
	}
	return own;
}

/** `replyText`: the reply without quoted history; `visible`: that, without the signature too. */
export function splitReply(text: string): { replyText: string; visible: string } {
	const lines = readLines(text);
	const own = ownLines(lines);
	const join = (indexes: number[]) =>
		indexes
			.map((index) => lines.raw[index])
			.join('\n')
			.trim();
	return { replyText: join(own), visible: join(withoutSignature(lines, own)) };
}
