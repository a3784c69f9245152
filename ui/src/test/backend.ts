// A stand-in for the Rust side in component tests: jsdom has no Tauri runtime, so
// `invoke` is mocked and each test says what each command answers.
import type { Mock } from 'vitest';
import type { Commands, IpcError } from '../bindings';

export type Handlers = {
  [K in keyof Commands]?: (
    args: Commands[K]['args'],
  ) => Commands[K]['result'] | Promise<Commands[K]['result']>;
};

export function answer(invoke: Mock, handlers: Handlers): void {
  invoke.mockImplementation(async (cmd: string, args: unknown) => {
    const handler = handlers[cmd as keyof Commands] as ((a: unknown) => unknown) | undefined;
    if (!handler) fail({ kind: 'Store', message: `test has no answer for ${cmd}` });
    return await handler(args);
  });
}

/** Rejects the way the Rust side does: with a plain `IpcError` object. */
export function fail(error: IpcError): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw error;
}
