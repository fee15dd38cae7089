import type { ILoadOptionsFunctions, INodeListSearchResult, INodePropertyOptions } from 'n8n-workflow';

import { listFolders } from '../../mail';
import { getMailAccount, type Authentication } from '../../shared/credentials';
import { toNodeError } from '../../shared/errors';

async function folderNames(context: ILoadOptionsFunctions): Promise<string[]> {
	const account = await getMailAccount(
		context,
		(context.getCurrentNodeParameter('authentication') as Authentication | undefined) ?? 'password',
	);
	try {
		return await listFolders(account);
	} catch (error) {
		throw toNodeError(context.getNode(), error, { account });
	}
}

/** listSearch for the `folder` resource locator: the server's folders, filtered as the user types. */
export async function searchFolders(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const needle = filter?.trim().toLowerCase();
	const names = (await folderNames(this)).filter((name) => !needle || name.toLowerCase().includes(needle));
	return { results: names.map((name) => ({ name, value: name })) };
}

/** loadOptions for `options`/`multiOptions` folder parameters of other operations. */
export async function getFolders(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return (await folderNames(this)).map((name) => ({ name, value: name }));
}
