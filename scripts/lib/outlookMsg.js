'use strict';
/**
 * Outlook .msg files written from a plain description of a mail, for the tests and the demo: an OLE
 * compound file (written by `cfb`) laid out as Outlook saves one ([MS-OXMSG]): the properties of each
 * object in a `__properties_version1.0` stream, each string or binary property in a
 * `__substg1.0_<id><type>` stream, recipients and attachments in storages of their own, and an
 * attached mail as an embedded message storage that holds the same layout again.
 */
const CFB = require('cfb');

const TYPE = { long: 0x0003, boolean: 0x000b, time: 0x0040, unicode: 0x001f, binary: 0x0102, object: 0x000d };

const RECIPIENT_TYPE = { to: 1, cc: 2, bcc: 3 };
const ATTACH_BY_VALUE = 1;
const ATTACH_EMBEDDED_MSG = 5;
// mfRead: a received mail, as one reported from the inbox.
const MESSAGE_READ = 0x1;
// STORE_UNICODE_OK: string properties are UTF-16 (type 001F), as Outlook writes them since 2003.
const STORE_UNICODE_OK = 0x00040000;
// Property flags: readable and writable.
const READABLE_WRITABLE = 0x6;
// 100-ns intervals from 1601-01-01 (FILETIME) to 1970-01-01.
const FILETIME_EPOCH_MS = 11_644_473_600_000n;

const hex4 = (value) => value.toString(16).toUpperCase().padStart(4, '0');
const hex8 = (value) => value.toString(16).toUpperCase().padStart(8, '0');

/** A property: its id, its type, and the value (string, number, boolean, Date, Buffer). */
const prop = (id, type, value) => ({ id, type: TYPE[type], value });

/** The bytes of a string or binary property, as its `__substg1.0_` stream holds them. */
function streamBytes({ type, value }) {
	return type === TYPE.unicode ? Buffer.from(value, 'utf16le') : Buffer.from(value);
}

/** One 16-byte entry of a property stream: tag, flags, and the value or (for streams) the size. */
function propertyEntry(property) {
	const entry = Buffer.alloc(16);
	entry.writeUInt32LE(((property.id << 16) | property.type) >>> 0, 0);
	entry.writeUInt32LE(READABLE_WRITABLE, 4);
	switch (property.type) {
		case TYPE.long:
			entry.writeUInt32LE(property.value >>> 0, 8);
			break;
		case TYPE.boolean:
			entry.writeUInt16LE(property.value ? 1 : 0, 8);
			break;
		case TYPE.time:
			entry.writeBigUInt64LE((BigInt(property.value.getTime()) + FILETIME_EPOCH_MS) * 10_000n, 8);
			break;
		case TYPE.object:
			entry.writeUInt32LE(0xffffffff, 8);
			break;
		default:
			// A string's size counts the terminating null the stream leaves out.
			entry.writeUInt32LE(streamBytes(property).length + (property.type === TYPE.unicode ? 2 : 0), 8);
	}
	return entry;
}

/** Adds one object (message, recipient or attachment) under `folder`: its streams and property stream. */
function addObject(file, folder, properties, header) {
	for (const property of properties) {
		if (property.type === TYPE.unicode || property.type === TYPE.binary) {
			const stream = `${folder}/__substg1.0_${hex4(property.id)}${hex4(property.type)}`;
			CFB.utils.cfb_add(file, stream, streamBytes(property));
		}
	}
	const entries = Buffer.concat([header, ...properties.map(propertyEntry)]);
	CFB.utils.cfb_add(file, `${folder}/__properties_version1.0`, entries);
}

const address = (entry) =>
	typeof entry === 'string' ? { name: entry, email: entry } : { name: entry.name || entry.email, email: entry.email };

function recipientProperties(entry, type, index) {
	const { name, email } = address(entry);
	return [
		prop(0x3000, 'long', index),
		prop(0x0c15, 'long', RECIPIENT_TYPE[type]),
		prop(0x3001, 'unicode', name),
		prop(0x3002, 'unicode', 'SMTP'),
		prop(0x3003, 'unicode', email),
		prop(0x39fe, 'unicode', email),
	];
}

function attachmentProperties(attachment, index) {
	if (attachment.message) {
		return [
			prop(0x0e21, 'long', index),
			prop(0x3705, 'long', ATTACH_EMBEDDED_MSG),
			prop(0x3001, 'unicode', attachment.name ?? attachment.message.subject ?? ''),
			prop(0x3701, 'object', null),
		];
	}
	const extension = /\.[^.]*$/.exec(attachment.fileName)?.[0] ?? '';
	return [
		prop(0x0e21, 'long', index),
		prop(0x3705, 'long', ATTACH_BY_VALUE),
		prop(0x3001, 'unicode', attachment.fileName),
		prop(0x3703, 'unicode', extension),
		prop(0x3704, 'unicode', attachment.fileName),
		prop(0x3707, 'unicode', attachment.fileName),
		prop(0x370e, 'unicode', attachment.mimeType ?? 'application/octet-stream'),
		...(attachment.contentId ? [prop(0x3712, 'unicode', attachment.contentId)] : []),
		prop(0x3701, 'binary', attachment.content),
	];
}

function messageProperties(message) {
	const from = message.from && address(message.from);
	const optional = (id, type, value) => (value === undefined || value === '' ? [] : [prop(id, type, value)]);
	return [
		prop(0x001a, 'unicode', message.messageClass ?? 'IPM.Note'),
		prop(0x0037, 'unicode', message.subject ?? ''),
		prop(0x0e07, 'long', MESSAGE_READ),
		prop(0x340d, 'long', STORE_UNICODE_OK),
		prop(0x3fde, 'long', 65001),
		...(from
			? [
					prop(0x0c1a, 'unicode', from.name),
					prop(0x0c1e, 'unicode', 'SMTP'),
					prop(0x0c1f, 'unicode', from.email),
					prop(0x5d01, 'unicode', from.email),
					prop(0x0042, 'unicode', from.name),
					prop(0x0065, 'unicode', from.email),
				]
			: []),
		...optional(0x0039, 'time', message.date),
		...optional(0x0e06, 'time', message.date),
		...optional(0x1035, 'unicode', message.messageId),
		...optional(0x007d, 'unicode', message.headers),
		...optional(0x1000, 'unicode', message.body),
		...optional(0x1013, 'unicode', message.html),
	];
}

/**
 * The header of a message's property stream: 8 reserved bytes, the next recipient and attachment
 * ids, the recipient and attachment counts, and (top-level message only) 8 more reserved bytes.
 */
function messageHeader(recipients, attachments, embedded) {
	const header = Buffer.alloc(embedded ? 24 : 32);
	const counts = [recipients, attachments, recipients, attachments];
	counts.forEach((count, index) => header.writeUInt32LE(count, 8 + 4 * index));
	return header;
}

function addMessage(file, folder, message, embedded) {
	const recipients = ['to', 'cc', 'bcc'].flatMap((type) => (message[type] ?? []).map((entry) => ({ entry, type })));
	const attachments = message.attachments ?? [];
	addObject(file, folder, messageProperties(message), messageHeader(recipients.length, attachments.length, embedded));
	recipients.forEach(({ entry, type }, index) => {
		const storage = `${folder}/__recip_version1.0_#${hex8(index)}`;
		addObject(file, storage, recipientProperties(entry, type, index), Buffer.alloc(8));
	});
	attachments.forEach((attachment, index) => {
		const storage = `${folder}/__attach_version1.0_#${hex8(index)}`;
		addObject(file, storage, attachmentProperties(attachment, index), Buffer.alloc(8));
		if (attachment.message) addMessage(file, `${storage}/__substg1.0_3701000D`, attachment.message, true);
	});
}

/**
 * The bytes of an Outlook .msg for `message`: { subject, from, to, cc, bcc (addresses as strings or
 * { name, email }), date (Date), messageId, headers (transport headers, as received mail keeps them),
 * body, html, attachments: [{ fileName, content, mimeType?, contentId? } or { message, name? }] }.
 */
function buildMsg(message) {
	// cfb adds a 4-byte placeholder stream "\u0001Sh33tJ5" to every file it writes: a name readers of
	// .msg files (msgreader, Outlook) pass over, as they do any stream that is not a property.
	const file = CFB.utils.cfb_new();
	addMessage(file, '', message, false);
	// Named properties: the three streams Outlook always writes, empty as no named property is used.
	for (const stream of ['00020102', '00030102', '00040102']) {
		CFB.utils.cfb_add(file, `/__nameid_version1.0/__substg1.0_${stream}`, Buffer.alloc(0));
	}
	return Buffer.from(CFB.write(file, { type: 'buffer', fileType: 'cfb' }));
}

module.exports = { buildMsg };
