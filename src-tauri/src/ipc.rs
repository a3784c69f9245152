//! The window's commands, generated from the one declaration in
//! `fieldline_ipc::for_each_command!`: each is a Tauri command with exactly the declared
//! arguments and result that calls the operation of the same name in `commands.rs` or
//! `sessions.rs` (which take the app handle first). A command missing there, or one whose
//! arguments or result differ from the declaration, does not compile.

use fieldline_ipc::bindings::types::*;
use tauri::Runtime;

/// Where the operations live.
mod ops {
    pub use crate::commands::*;
    pub use crate::sessions::*;
}

macro_rules! tauri_commands {
    ($($name:ident ( $($arg:ident : $ty:ty),* ) -> $res:ty;)*) => {
        $(
            #[tauri::command]
            pub async fn $name<R: Runtime>(
                app: tauri::AppHandle<R>,
                $($arg: $ty),*
            ) -> Result<$res, IpcError> {
                ops::$name(&app, $($arg),*).await
            }
        )*

        /// Registers every declared command on any runtime (the real one, or Tauri's mock
        /// runtime in tests).
        pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
            builder.invoke_handler(tauri::generate_handler![$($name),*])
        }
    };
}

fieldline_ipc::for_each_command!(tauri_commands);
