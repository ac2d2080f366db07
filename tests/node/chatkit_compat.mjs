// The official `openai` Node SDK against a chatkit-host server, changing only `baseURL`.
//
// Usage: node chatkit_compat.mjs [BASE_URL [ADMIN_KEY]]
//   or the environment variables CHATKIT_BASE_URL (ending in /v1) and CHATKIT_ADMIN_KEY.
// The server must hold at least three threads, the newest with at least three items (tests/test_node_sdk.py
// seeds them). Prints one JSON object with what the SDK observed; exits 1 when any check fails, 2 on bad usage.
import OpenAI from 'openai';
import { VERSION } from 'openai/version';

const baseURL = process.argv[2] ?? process.env.CHATKIT_BASE_URL;
const apiKey = process.argv[3] ?? process.env.CHATKIT_ADMIN_KEY;
if (!baseURL || !apiKey) {
  console.error('usage: node chatkit_compat.mjs BASE_URL ADMIN_KEY (or CHATKIT_BASE_URL / CHATKIT_ADMIN_KEY)');
  process.exit(2);
}

const mismatches = [];
function check(label, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    mismatches.push({ label, actual, expected });
  }
}

// Counting requests through the SDK's own `fetch` option is how we know auto-paging really crossed pages.
const requests = [];
function countingFetch(url, init) {
  requests.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname}${new URL(String(url)).search}`);
  return fetch(url, init);
}

function describeError(error) {
  if (!(error instanceof OpenAI.APIError)) {
    return { class: error?.constructor?.name ?? typeof error, message: String(error) };
  }
  return {
    class: error.constructor.name,
    status: error.status,
    type: error.type ?? null,
    param: error.param ?? null,
    code: error.code ?? null,
  };
}

async function expectError(label, ErrorClass, call) {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof ErrorClass)) {
      mismatches.push({ label, actual: describeError(error), expected: ErrorClass.name });
    }
    return describeError(error);
  }
  mismatches.push({ label, actual: 'no error', expected: ErrorClass.name });
  return null;
}

async function main() {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, fetch: countingFetch });
  const chatkit = client.beta.chatkit;
  const observed = { sdk_version: VERSION };

  const session = await chatkit.sessions.create({ user: 'node-sdk-user', workflow: { id: 'default' } });
  observed.session = {
    id: session.id,
    object: session.object,
    user: session.user,
    status: session.status,
    workflow_id: session.workflow.id,
    tracing_enabled: session.workflow.tracing.enabled,
    client_secret_prefix: session.client_secret.slice(0, 'cksec_'.length),
  };
  check('session.object', session.object, 'chatkit.session');
  check('session.user', session.user, 'node-sdk-user');
  check('session.status', session.status, 'active');
  check('session.workflow.id', session.workflow.id, 'default');
  check('session.workflow.tracing.enabled', session.workflow.tracing.enabled, true);
  check('session.client_secret prefix', observed.session.client_secret_prefix, 'cksec_');

  const cancelled = await chatkit.sessions.cancel(session.id);
  observed.cancelled = { id: cancelled.id, status: cancelled.status };
  check('cancelled.id', cancelled.id, session.id);
  check('cancelled.status', cancelled.status, 'cancelled');

  const listedBefore = requests.length;
  const threadIds = [];
  for await (const thread of chatkit.threads.list({ limit: 2 })) {
    check(`thread ${thread.id} object`, thread.object, 'chatkit.thread');
    threadIds.push(thread.id);
  }
  observed.thread_ids = threadIds;
  observed.thread_list_requests = requests.slice(listedBefore);
  check('thread ids unique', new Set(threadIds).size, threadIds.length);
  check('threads span several pages', observed.thread_list_requests.length > 2, true);

  const threadId = threadIds[0];
  const thread = await chatkit.threads.retrieve(threadId);
  observed.retrieved = { id: thread.id, object: thread.object, user: thread.user, status: thread.status.type };
  check('retrieved.id', thread.id, threadId);

  const itemsBefore = requests.length;
  const items = [];
  for await (const item of chatkit.threads.listItems(threadId, { limit: 2, order: 'asc' })) {
    check(`item ${item.id} thread_id`, item.thread_id, threadId);
    check(`item ${item.id} object`, item.object, 'chatkit.thread_item');
    items.push({ id: item.id, type: item.type, text: item.content?.[0]?.text ?? null });
  }
  observed.items = items;
  observed.item_list_requests = requests.slice(itemsBefore);
  check('items span several pages', observed.item_list_requests.length > 1, true);

  const deleted = await chatkit.threads.delete(threadId);
  observed.deleted = { id: deleted.id, object: deleted.object, deleted: deleted.deleted };
  check('deleted', observed.deleted, { id: threadId, object: 'chatkit.thread.deleted', deleted: true });

  const wrongKey = new OpenAI({ baseURL, apiKey: 'ckadm_wrong', maxRetries: 0 });
  observed.errors = {
    wrong_key: await expectError('wrong key', OpenAI.AuthenticationError, () => wrongKey.beta.chatkit.threads.list()),
    session_secret_as_key: await expectError('client secret as admin key', OpenAI.AuthenticationError, () =>
      new OpenAI({ baseURL, apiKey: session.client_secret, maxRetries: 0 }).beta.chatkit.threads.list(),
    ),
    deleted_thread: await expectError('retrieve deleted thread', OpenAI.NotFoundError, () =>
      chatkit.threads.retrieve(threadId),
    ),
    deleted_thread_items: await expectError('items of deleted thread', OpenAI.NotFoundError, () =>
      chatkit.threads.listItems(threadId),
    ),
    unknown_workflow: await expectError('unknown workflow', OpenAI.NotFoundError, () =>
      chatkit.sessions.create({ user: 'u', workflow: { id: 'no-such-workflow' } }),
    ),
    bad_cursor: await expectError('malformed cursor', OpenAI.BadRequestError, () =>
      chatkit.threads.list({ after: 'nope' }),
    ),
    bad_limit: await expectError('limit over 100', OpenAI.BadRequestError, () =>
      chatkit.threads.list({ limit: 101 }),
    ),
  };
  const errors = observed.errors;
  check('wrong key status', errors.wrong_key?.status, 401);
  check('wrong key code', errors.wrong_key?.code, 'invalid_api_key');
  check('deleted thread status', errors.deleted_thread?.status, 404);
  check('unknown workflow param', errors.unknown_workflow?.param, 'workflow.id');
  check('bad cursor status', errors.bad_cursor?.status, 400);
  check('bad cursor param', errors.bad_cursor?.param, 'after');
  check('bad limit param', errors.bad_limit?.param, 'limit');

  observed.mismatches = mismatches;
  observed.ok = mismatches.length === 0;
  return observed;
}

try {
  const observed = await main();
  console.log(JSON.stringify(observed));
  process.exit(observed.ok ? 0 : 1);
} catch (error) {
  // An unexpected failure still prints one JSON object, so the caller sees what the SDK raised.
  console.log(JSON.stringify({ ok: false, unexpected: describeError(error), mismatches }));
  process.exit(1);
}
