/* The live queue: conversations waiting in my queues (service order, from the hub) and mine. */
import { S, channelBadge, duration, h, languageBadge, queueLabel, reasonLabel, waitingSince } from './common.js';

/** How long a queued conversation has been waiting ("3:05"), ticking; null once it is not waiting. */
export function waitingTime(conversation) {
  if (conversation.state !== 'queued') return null;
  const seconds = Number(conversation.waiting_seconds) || 0;
  return h('span', { class: 'wait' }, h('span', { class: 'sr' }, S().waitingTime + ': '), h('time', { 'data-since': waitingSince(seconds) }, duration(seconds)));
}

function priorityBadge(priority) {
  const label = S().priorities[priority];
  return label ? h('span', { class: `priority priority--${priority}` }, label) : null;
}

/** One conversation in a list: a button that opens it, and "Accept" while it waits. */
function item(conversation, { selectedId, onOpen, onAccept }) {
  const id = conversation.conversation_id;
  const selected = id === selectedId;
  const owner = conversation.owner && conversation.state === 'agent' ? S().ownedBy(conversation.owner.name) : null;
  const openButton = h(
    'button',
    { type: 'button', class: 'conv-open', 'aria-current': selected ? 'true' : null, onclick: () => onOpen(id) },
    h(
      'span',
      { class: 'conv-line' },
      languageBadge(conversation.language),
      h('strong', { class: 'conv-queue' }, queueLabel(conversation.queue)),
      priorityBadge(conversation.priority),
      waitingTime(conversation),
    ),
    h(
      'span',
      { class: 'conv-line conv-meta' },
      channelBadge(conversation.channel),
      '·',
      h('span', { class: 'conv-reason' }, reasonLabel(conversation.reason)),
      conversation.state === 'queued' && conversation.position ? ['·', h('span', null, S().position(conversation.position))] : null,
    ),
    conversation.summary ? h('span', { class: 'conv-summary', title: conversation.summary }, conversation.summary) : null,
    owner ? h('span', { class: 'conv-owner' }, owner) : null,
  );
  const accept =
    conversation.state === 'queued'
      ? h('button', { type: 'button', class: 'primary small conv-accept', 'aria-label': `${S().accept}: ${queueLabel(conversation.queue)}, ${conversation.summary || ''}`, onclick: () => onAccept(id) }, S().accept)
      : null;
  return h('li', { class: `conv${selected ? ' conv--selected' : ''}`, 'data-id': id, 'data-priority': String(conversation.priority || 0) }, openButton, accept);
}

/** (Re)draw a list; an empty list says so. Keyboard focus stays on the same button. */
export function renderList(list, conversations, emptyText, handlers) {
  const active = list.contains(document.activeElement) ? document.activeElement : null;
  const focusedId = active && active.closest('.conv')?.dataset.id;
  const focusedKind = active && (active.classList.contains('conv-accept') ? '.conv-accept' : '.conv-open');
  list.replaceChildren(
    ...(conversations.length ? conversations.map((c) => item(c, handlers)) : [h('li', { class: 'conv-empty' }, emptyText)]),
  );
  if (focusedId) list.querySelector(`.conv[data-id="${CSS.escape(focusedId)}"] ${focusedKind}`)?.focus();
}
