import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeExecutionData,
	type INodeProperties,
	type IRun,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

import { MailboxWatcher, pollMailbox, prepareTrigger, type FolderCursors, type WatchOptions } from '../mail';
import { triggerProperties } from '../shared/trigger.description';
import { emailConnectionTest, getMailAccount, mailboxCredentials, type Authentication } from '../shared/credentials';
import { toNodeError } from '../shared/errors';
import { readSettings, storeBinaries, toItem } from '../shared/triggerItems';

/** How long a closing trigger waits for n8n to run what it emitted last. */
const SETTLE_ON_CLOSE_MS = 5000;

const fallbackPollSeconds: INodeProperties = {
	displayName: 'Fallback Poll Seconds',
	name: 'fallbackPollSeconds',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 300,
	description:
		'A safety check of every folder this often, in case a server stops announcing new mail during ' +
		'IDLE; new mail normally arrives within seconds',
};

export class EmailInstantTrigger implements INodeType {
	description: INodeTypeDescription = {
		// Named after the poll trigger so the two stand together in the node list; the lint rule wants "Trigger" last.
		// eslint-disable-next-line n8n-nodes-base/node-class-description-display-name-unsuffixed-trigger-node
		displayName: 'Mailbox Trigger (Instant)',
		name: 'emailInstantTrigger',
		icon: { light: 'file:mailboxInstantTrigger.svg', dark: 'file:mailboxInstantTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		description: 'Emits one item per incoming email within seconds, exactly once (IMAP IDLE)',
		subtitle: '={{$parameter["folders"]}}',
		defaults: { name: 'Mailbox Trigger (Instant)' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: mailboxCredentials,
		properties: [...triggerProperties, fallbackPollSeconds],
	};

	methods = {
		credentialTest: { emailConnectionTest },
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const node = this.getNode();
		const account = await getMailAccount(this, this.getNodeParameter('authentication', 'password') as Authentication);
		const staticData = this.getWorkflowStaticData('node') as { cursors?: FolderCursors };
		let trigger;
		try {
			trigger = prepareTrigger(readSettings(this));
		} catch (error) {
			throw toNodeError(node, error, { account });
		}

		if (this.getMode() === 'manual') {
			// "Test step": the newest matching mail, as the poll trigger shows it; no flag, no cursor.
			// n8n binds this.emit for manual runs only after trigger() returned: looked up late.
			const manualTriggerFunction = async () => {
				let result;
				try {
					result = await pollMailbox(account, staticData.cursors ?? {}, trigger, { manual: true });
				} catch (error) {
					throw toNodeError(node, error, { account });
				}
				if (result.mails.length === 0) {
					if (result.failures.length > 0) throw toNodeError(node, result.failures[0], { account });
					throw new NodeOperationError(
						node,
						`No mail in ${trigger.folders.join(', ')} matches the trigger's settings yet: send ` +
							`one (or turn off Unread Only) and test again.`,
					);
				}
				this.emit([await Promise.all(result.mails.map(async (mail) => await toItem(this, mail)))]);
			};
			return { manualTriggerFunction };
		}

		const seconds = Number(this.getNodeParameter('fallbackPollSeconds', 300));
		if (!Number.isFinite(seconds) || seconds < 1)
			throw new NodeOperationError(node, 'Fallback Poll Seconds must be a number of at least 1.');

		// What each emit became: settled once n8n has run the execution (or failed to create it). Built
		// by hand: n8n-workflow 2.x no longer exports createDeferredPromise.
		const unsettled = new Set<Promise<IRun>>();
		const emitItems = (items: INodeExecutionData[]) => {
			let resolve!: (run: IRun | PromiseLike<IRun>) => void;
			let reject!: (error: Error) => void;
			const promise = new Promise<IRun>((ok, fail) => {
				resolve = ok;
				reject = fail;
			});
			unsettled.add(promise);
			promise.finally(() => unsettled.delete(promise)).catch(() => undefined);
			this.emit([items], undefined, { promise, resolve, reject });
		};

		// Each cycle runs on the folder's watching connection (no login of its own) when it is open.
		const cycle: WatchOptions['cycle'] = async (folder, connection) => {
			const result = await pollMailbox(
				account,
				staticData.cursors ?? {},
				{ ...trigger, folders: [folder] },
				{ ...connection, storeBinaries: async (mail) => await storeBinaries(this, mail) },
			);
			const items = await Promise.all(result.mails.map(async (mail) => await toItem(this, mail)));
			// Set before emit: n8n saves the workflow's static data when a trigger emits.
			if (result.cursors[folder]) staticData.cursors = { ...staticData.cursors, [folder]: result.cursors[folder] };
			if (items.length > 0) emitItems(items);
			if (result.failures.length > 0) {
				this.logger.warn(
					`Mailbox Trigger (Instant): ${toNodeError(node, result.failures[0], { account }).message} ` +
						`(tried again shortly)`,
				);
				throw result.failures[0];
			}
			return result.mails.length >= trigger.maxEmailsPerCycle;
		};
		const watcher = new MailboxWatcher(account, {
			folders: trigger.folders,
			fallbackPollMs: seconds * 1000,
			cycle,
			// n8n deactivates the trigger, shows the error and retries the activation.
			onFailure: (error) => this.emitError(toNodeError(node, error, { account })),
		});
		try {
			await watcher.start();
		} catch (error) {
			throw toNodeError(node, error, { account });
		}
		return {
			closeFunction: async () => {
				await watcher.close();
				// n8n saves the cursor when a cycle emits and creates the execution a moment later: a
				// main shutting down in between lost that mail (queue test). Wait, a little, for it.
				let timer: NodeJS.Timeout | undefined;
				await Promise.race([
					Promise.allSettled(unsettled),
					new Promise((resolve) => (timer = setTimeout(resolve, SETTLE_ON_CLOSE_MS))),
				]);
				clearTimeout(timer);
			},
		};
	}
}
