import type { ApplicationFunction, Probot } from "probot";

/** Loads `app` recording every event name it registers a handler for (`push`, `pull_request.opened`, ...). */
export function recordingHandledEvents(app: ApplicationFunction, handled: Set<string>): ApplicationFunction {
  return (probot, options) => {
    const recording = new Proxy(probot, {
      get(target, property) {
        if (property === "on") {
          return ((events: string | string[], handler: never) => {
            for (const event of [events].flat()) handled.add(event);
            return target.on(events as never, handler);
          }) as Probot["on"];
        }
        // Probot keeps its state in private fields: getters and methods need the real instance
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return app(recording, options);
  };
}

/** Does a handler registered for `handled` run for this event and action? */
export function isHandled(handled: ReadonlySet<string>, name: string, action: unknown): boolean {
  return handled.has(name) || (typeof action === "string" && handled.has(`${name}.${action}`));
}
