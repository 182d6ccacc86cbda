/**
 * Conversation state kept per member in group chats.
 *
 * Bot Framework keys conversation state by channel and conversation, so in a Telegram or WeChat group
 * every member would share one state: one member's remembered merchant ID, pending binding code, held
 * photos or unanswered count would apply to the next member who writes. In a group each member gets a
 * state of their own (the private chat keeps the plain key, so existing state is read as before).
 */
import { ConversationState, type Storage, type TurnContext } from 'botbuilder';

export class MemberScopedConversationState extends ConversationState {
  constructor(storage: Storage, namespace = '') {
    super(storage, namespace);
  }

  override getStorageKey(context: TurnContext): string | undefined {
    const key = super.getStorageKey(context);
    const activity = context.activity;
    if (!key || !activity.conversation?.isGroup) return key;
    const member = activity.from?.id;
    // No member id (a service event, never a merchant's message): the group's own state.
    return member ? `${key}/members/${encodeURIComponent(member)}` : key;
  }
}
