/** The settings and profiles API of @wf/core, loaded only by the commands that need it. */
export type SettingsApi = Pick<
  typeof import("@wf/core/settings"),
  | "SETTINGS"
  | "DEFAULT_PROFILE"
  | "isSettingName"
  | "resolveSetting"
  | "getSetting"
  | "readProfiles"
  | "writeProfiles"
  | "activeProfileName"
>;

export type SettingName = Parameters<SettingsApi["resolveSetting"]>[0];

export async function loadSettings(): Promise<SettingsApi> {
  return import("@wf/core/settings");
}
