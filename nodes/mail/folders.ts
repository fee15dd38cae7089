import type { MailAccount } from './account';
import { withImap } from './connection';

/** Paths of the folders a message can be read from (\Noselect containers left out), INBOX first. */
export async function listFolders(account: MailAccount): Promise<string[]> {
	return withImap(account, async (client) => {
		const folders = await client.list();
		return folders
			.filter((folder) => !folder.flags.has('\\Noselect') && !folder.flags.has('\\NonExistent'))
			.map((folder) => folder.path)
			.sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a.localeCompare(b)));
	});
}
