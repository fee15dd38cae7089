import { parseInlineForward } from '../../nodes/mail/analysis/forwarded';
import { APPLE_BODY, GMAIL_BODY, ORIGINAL, OUTLOOK_BODY, OUTLOOK_DESKTOP_BODY } from '../fixtures/forwarded';

describe('inline-forwarded originals: Gmail, Outlook, Apple Mail, Thunderbird; EN, DE, FR, ES', () => {
	it.each([
		['Gmail (en)', GMAIL_BODY, 'Fwd: x'],
		['Outlook (en)', OUTLOOK_BODY, 'FW: x'],
		['Outlook desktop (en)', OUTLOOK_DESKTOP_BODY, 'FW: x'],
		['Apple Mail (en)', APPLE_BODY, 'Fwd: x'],
	])('%s', (_client, body, subject) => {
		const forward = parseInlineForward(body, subject)!;
		expect(forward.from?.address).toBe(ORIGINAL.from);
		expect(forward.subject).toBe(ORIGINAL.subject);
		expect(forward.to).toEqual(ORIGINAL.to);
	});

	const original = (lines: string[]) =>
		['Siehe unten / voir ci-dessous / ver abajo', '', ...lines, '', 'Cliquez http://evil.test/login'].join('\n');
	it.each([
		[
			'Gmail (de)',
			'Fwd: x',
			[
				'---------- Weitergeleitete Nachricht ---------',
				'Von: PayPal <attacker@evil.test>',
				'Date: Mo., 3. Juni 2024 um 09:12 Uhr',
				'Subject: Konto prüfen',
				'To: <victim@corp.test>',
			],
		],
		[
			'Thunderbird (de)',
			'WG: x',
			[
				'-------- Weitergeleitete Nachricht --------',
				'Betreff: \tKonto prüfen',
				'Datum: \tMon, 3 Jun 2024 09:12:00 +0000',
				'Von: \tPayPal <attacker@evil.test>',
				'An: \tvictim@corp.test',
			],
		],
		[
			'Outlook (de)',
			'WG: x',
			[
				'________________________________',
				'Von: PayPal <attacker@evil.test>',
				'Gesendet: Montag, 3. Juni 2024 09:12',
				'An: victim@corp.test',
				'Betreff: Konto prüfen',
			],
		],
		[
			'Apple Mail (de)',
			'WG: x',
			[
				'Anfang der weitergeleiteten Nachricht:',
				'',
				'> Von: PayPal <attacker@evil.test>',
				'> Betreff: Konto prüfen',
				'> Datum: 3. Juni 2024 um 09:12:00 MESZ',
				'> An: victim@corp.test',
			],
		],
		[
			'Gmail (fr)',
			'Fwd: x',
			[
				'---------- Message transféré ---------',
				'De : PayPal <attacker@evil.test>',
				'Date: lun. 3 juin 2024 à 09:12',
				'Subject: Konto prüfen',
				'To: <victim@corp.test>',
			],
		],
		[
			'Outlook (fr)',
			'TR: x',
			[
				"-----Message d'origine-----",
				'De : PayPal <attacker@evil.test>',
				'Envoyé : lundi 3 juin 2024 09:12',
				'À : victim@corp.test',
				'Objet : Konto prüfen',
			],
		],
		[
			'Thunderbird (fr)',
			'Fwd: x',
			[
				'-------- Message transféré --------',
				'Sujet : \tKonto prüfen',
				'Date : \tMon, 3 Jun 2024 09:12:00 +0000',
				'De : \tPayPal <attacker@evil.test>',
				'Pour : \tvictim@corp.test',
			],
		],
		[
			'Apple Mail (fr)',
			'TR: x',
			[
				'Début du message réexpédié :',
				'',
				'> De: PayPal <attacker@evil.test>',
				'> Objet: Konto prüfen',
				'> Date: 3 juin 2024 à 09:12:00 UTC+2',
				'> À: victim@corp.test',
			],
		],
		[
			'Gmail (es)',
			'Fwd: x',
			[
				'---------- Mensaje reenviado ---------',
				'De: PayPal <attacker@evil.test>',
				'Date: lun, 3 jun 2024 a las 09:12',
				'Subject: Konto prüfen',
				'To: <victim@corp.test>',
			],
		],
		[
			'Outlook (es)',
			'RV: x',
			[
				'________________________________',
				'De: PayPal <attacker@evil.test>',
				'Enviado: lunes, 3 de junio de 2024 9:12',
				'Para: victim@corp.test',
				'Asunto: Konto prüfen',
			],
		],
		[
			'Thunderbird (es)',
			'RV: x',
			[
				'-------- Mensaje reenviado --------',
				'Asunto: \tKonto prüfen',
				'Fecha: \tMon, 3 Jun 2024 09:12:00 +0000',
				'De: \tPayPal <attacker@evil.test>',
				'Para: \tvictim@corp.test',
			],
		],
		[
			'Apple Mail (es)',
			'RV: x',
			[
				'Inicio del mensaje reenviado:',
				'',
				'> De: PayPal <attacker@evil.test>',
				'> Asunto: Konto prüfen',
				'> Fecha: 3 de junio de 2024, 9:12:00 CEST',
				'> Para: victim@corp.test',
			],
		],
	])('%s', (_client, subject, lines) => {
		const forward = parseInlineForward(original(lines), subject)!;
		expect(forward).toMatchObject({
			subject: 'Konto prüfen',
			to: ['victim@corp.test'],
			from: { address: 'attacker@evil.test' },
		});
		expect(forward.body).toContain('http://evil.test/login');
	});

	it('does not take the history under a reply (Outlook rule, no forward subject) for a forward', () => {
		expect(parseInlineForward(OUTLOOK_BODY, 'RE: question')).toBeUndefined();
		expect(parseInlineForward('no forward here\nFrom: a@b.test\n', 'Hello')).toBeUndefined();
	});
});
