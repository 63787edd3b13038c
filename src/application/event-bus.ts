import type { DomainEvent, DomainEventType } from '../domain/domain-events';

type Handler<T extends DomainEventType> = (event: Extract<DomainEvent, { type: T }>) => void | Promise<void>;

export interface EventBus {
  subscribe<T extends DomainEventType>(type: T, handler: Handler<T>): () => void;
  /** Runs the handlers after the use case committed; a failing handler never undoes the change. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export function createEventBus(onHandlerError: (error: unknown, event: DomainEvent) => void): EventBus {
  type AnyHandler = (event: DomainEvent) => void | Promise<void>;
  const handlers = new Map<DomainEventType, Set<AnyHandler>>();
  return {
    subscribe(type, handler) {
      const set = handlers.get(type) ?? new Set();
      const untyped = handler as unknown as AnyHandler;
      set.add(untyped);
      handlers.set(type, set);
      return () => set.delete(untyped);
    },
    async publish(events) {
      for (const event of events) {
        for (const handler of handlers.get(event.type) ?? []) {
          try {
            await handler(event);
          } catch (error) {
            onHandlerError(error, event);
          }
        }
      }
    },
  };
}
