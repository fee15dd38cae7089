import * as CFB from 'cfb';

/**
 * What a file is by its leading bytes (its magic number), whatever its name says. Only the types a
 * verdict needs: executables, documents, archives, disk images, images, HTML.
 */
export type FileKind =
	| 'pe'
	| 'elf'
	| 'macho'
	| 'pdf'
	| 'zip'
	| 'ole'
	| 'rtf'
	| 'png'
	| 'jpeg'
	| 'gif'
	| 'bmp'
	| 'webp'
	| 'rar'
	| '7z'
	| 'gzip'
	| 'iso'
	| 'vhd'
	| 'lnk'
	| 'onenote'
	| 'html';

const hex = (value: string) => Buffer.from(value.replace(/ /g, ''), 'hex');
const ascii = (value: string) => Buffer.from(value, 'latin1');

const MAGIC: Array<[FileKind, Buffer, number?]> = [
	['pe', ascii('MZ')],
	['elf', hex('7f454c46')],
	['macho', hex('cffaedfe')],
	['macho', hex('cefaedfe')],
	['macho', hex('cafebabe')],
	['zip', hex('504b0304')],
	['zip', hex('504b0506')],
	['ole', hex('d0cf11e0a1b11ae1')],
	['rtf', ascii('{\\rtf')],
	['png', hex('89504e470d0a1a0a')],
	['jpeg', hex('ffd8ff')],
	['gif', ascii('GIF87a')],
	['gif', ascii('GIF89a')],
	['webp', ascii('WEBP'), 8],
	['rar', ascii('Rar!\x1a\x07')],
	['7z', hex('377abcaf271c')],
	['gzip', hex('1f8b')],
	['lnk', hex('4c0000000114020000000000c000000000000046')],
	['onenote', hex('e4525c7b8cd8a74daeb15378d02996d3')],
	['vhd', ascii('conectix')],
	['vhd', ascii('vhdxfile')],
	['iso', ascii('CD001'), 0x8001],
	['iso', ascii('CD001'), 0x8801],
	['iso', ascii('CD001'), 0x9001],
	['bmp', ascii('BM')],
];

const HTML_START = /^\s*(?:<!--[^]{0,200}?-->\s*)*<(?:!doctype\s+html|html|head|body|script|meta|iframe|svg)[\s>/]/i;

/** A file's type by its leading bytes; undefined when none of the known ones. */
export function detectKind(content: Buffer): FileKind | undefined {
	for (const [kind, magic, offset = 0] of MAGIC) {
		if (content.length >= offset + magic.length && content.subarray(offset, offset + magic.length).equals(magic))
			return kind;
	}
	// PDF readers accept the header anywhere in the first KB.
	const head = content.subarray(0, 1024).toString('latin1');
	if (head.includes('%PDF-')) return 'pdf';
	return HTML_START.test(head.replace(/^\uFEFF|^\xEF\xBB\xBF/, '')) ? 'html' : undefined;
}

const OFFICE_OLE: FileKind[] = ['ole', 'rtf'];
const OOXML: FileKind[] = ['zip'];

/** The types each extension may hold; a name not here is not judged by its extension. */
const EXTENSION_KINDS: Record<string, FileKind[]> = {
	pdf: ['pdf'],
	doc: OFFICE_OLE,
	dot: OFFICE_OLE,
	xls: ['ole'],
	ppt: ['ole'],
	msg: ['ole'],
	msi: ['ole'],
	docx: OOXML,
	docm: OOXML,
	xlsx: OOXML,
	xlsm: OOXML,
	pptx: OOXML,
	pptm: OOXML,
	odt: OOXML,
	ods: OOXML,
	odp: OOXML,
	zip: OOXML,
	jar: OOXML,
	apk: OOXML,
	epub: OOXML,
	png: ['png'],
	jpg: ['jpeg'],
	jpeg: ['jpeg'],
	gif: ['gif'],
	bmp: ['bmp'],
	webp: ['webp'],
	exe: ['pe'],
	dll: ['pe'],
	scr: ['pe'],
	sys: ['pe'],
	cpl: ['pe'],
	rar: ['rar'],
	'7z': ['7z'],
	gz: ['gzip'],
	tgz: ['gzip'],
	iso: ['iso'],
	vhd: ['vhd'],
	vhdx: ['vhd'],
	lnk: ['lnk'],
	one: ['onenote'],
	rtf: ['rtf'],
	htm: ['html'],
	html: ['html'],
};

/** Plain-text names: any of the binary types below in one is disguised. */
const TEXT_EXTENSIONS = new Set(['txt', 'csv', 'log', 'json', 'xml', 'eml', 'ics', 'vcf', 'md']);
const BINARY_KINDS = new Set<FileKind>(['pe', 'elf', 'macho', 'zip', 'ole', 'lnk', 'onenote', 'iso', 'vhd', 'pdf']);

/** The types a declared Content-Type may hold; `application/octet-stream` and others claim nothing. */
const CONTENT_TYPE_KINDS: Record<string, FileKind[]> = {
	'application/pdf': ['pdf'],
	'image/png': ['png'],
	'image/jpeg': ['jpeg'],
	'image/jpg': ['jpeg'],
	'image/gif': ['gif'],
	'application/zip': OOXML,
	'application/x-zip-compressed': OOXML,
	'application/msword': OFFICE_OLE,
	'application/vnd.ms-excel': ['ole'],
	'application/vnd.ms-powerpoint': ['ole'],
	'text/html': ['html'],
	'application/x-msdownload': ['pe'],
	'application/x-dosexec': ['pe'],
	'application/vnd.microsoft.portable-executable': ['pe'],
};

/** Executable and script types: run when opened (the README lists them under `risky_attachment`). */
export const RISKY_EXTENSIONS = new Set([
	'exe',
	'scr',
	'com',
	'bat',
	'cmd',
	'js',
	'jse',
	'vbs',
	'vbe',
	'wsf',
	'wsh',
	'hta',
	'lnk',
	'iso',
	'img',
	'vhd',
	'vhdx',
	'one',
	'msi',
	'ps1',
	'jar',
	'cpl',
	'pif',
	'reg',
	'appx',
	'msix',
]);
/** Types that run or mount whatever they are named. */
export const RISKY_KINDS = new Set<FileKind>(['pe', 'elf', 'macho', 'lnk', 'iso', 'vhd', 'onenote']);

/** "Invoice.PDF.exe" -> "exe"; '' without one. */
export function extensionOf(name: string): string {
	const base = name.slice(name.lastIndexOf('/') + 1);
	const dot = base.lastIndexOf('.');
	return dot <= 0
		? ''
		: base
				.slice(dot + 1)
				.toLowerCase()
				.trim();
}

function contentTypeKinds(contentType: string): FileKind[] | undefined {
	return CONTENT_TYPE_KINDS[contentType.toLowerCase().split(';')[0].trim()];
}

/** Why a file's bytes contradict its name or declared type; undefined when they agree or nothing is claimed. */
export function typeMismatch(name: string, contentType: string, kind: FileKind | undefined): string | undefined {
	if (!kind) return undefined;
	const extension = extensionOf(name);
	const byName = EXTENSION_KINDS[extension];
	if (byName && !byName.includes(kind)) return `"${name}" is ${kind} by its leading bytes, not .${extension}`;
	if (!byName && TEXT_EXTENSIONS.has(extension) && BINARY_KINDS.has(kind)) return `"${name}" is ${kind}, not text`;
	const byType = contentTypeKinds(contentType);
	if (byType && !byType.includes(kind)) return `"${name}" is ${kind} by its leading bytes, declared ${contentType}`;
	return undefined;
}

/** The VBA storage's streams: in Word's Macros/VBA, in Excel's _VBA_PROJECT_CUR/VBA. */
const VBA_PATH = /\/VBA\/(?:dir|_VBA_PROJECT)$/i;

/** Whether an OLE compound file (.doc, .xls, .ppt) holds VBA macros; `cfb` reads the directory. */
export function oleHasMacros(content: Buffer): boolean {
	const container = CFB.read(content, { type: 'buffer' });
	return container.FullPaths.some((path) => VBA_PATH.test(path));
}

/** The OOXML part that holds macros (.docm, .xlsm, .pptm; or renamed to .docx). */
export const OOXML_MACROS = /(?:^|\/)vbaProject\.bin$/i;

/** HTML is judged for smuggling over its first bytes only: payloads sit near the top. */
const MAX_HTML_SCAN = 10 * 1024 * 1024;
/** A base64 run this long (characters) is a payload, not an inline icon. */
const LONG_PAYLOAD = 2000;
const ASSEMBLY =
	/new\s+Blob\s*\(|\batob\s*\(|createObjectURL\s*\(|msSaveOrOpenBlob|\.download\s*=|\bdownload\s*=\s*["']/;

/** The longest run of base64 characters in a text: one linear pass. */
function longestBase64Run(text: string): number {
	let longest = 0;
	let run = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		const base64 =
			(code >= 48 && code <= 57) ||
			(code >= 65 && code <= 90) ||
			(code >= 97 && code <= 122) ||
			code === 43 ||
			code === 47;
		run = base64 ? run + 1 : 0;
		if (run > longest) longest = run;
	}
	return longest;
}

/**
 * HTML smuggling: a page that builds a file in the browser (Blob, atob, object URLs, a download
 * attribute) from a long encoded payload, so that the file never crosses the mail gateway as one.
 * The evidence, or undefined.
 */
export function htmlSmuggling(content: Buffer): string | undefined {
	const text = content.subarray(0, MAX_HTML_SCAN).toString('latin1');
	const assembly = ASSEMBLY.exec(text);
	const payload = longestBase64Run(text);
	if (!assembly || payload < LONG_PAYLOAD) return undefined;
	return `${assembly[0].replace(/\s+/g, ' ').trim()} with a ${payload}-character encoded payload`;
}
