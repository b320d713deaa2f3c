/** The `pcapi serve` flags, each with its PCAPI_* environment variable, built from serve-settings.ts (config.ts validates values). */
import { Option, type Command } from 'commander';
import { isSwitch, SERVE_SETTINGS, serveSettings, type ServeSettingName } from '../serve-settings.js';

const STORE_SETTINGS: ServeSettingName[] = ['dataDir', 'database'];

/** One setting as a commander option; `help` replaces its `--help` line where another command uses it. */
export function serveSettingOption(name: ServeSettingName, help?: string): Option {
  const setting: { flags: string; env: string; help: string; default?: string } = SERVE_SETTINGS[name];
  const option = new Option(setting.flags, help ?? setting.help).env(setting.env);
  // A switch is undefined unless given (`--no-demo`: true); config.ts applies its default.
  if (setting.default !== undefined && !isSwitch(setting)) option.default(setting.default);
  return option;
}

export function addStoreOptions(command: Command): Command {
  for (const name of STORE_SETTINGS) command.addOption(serveSettingOption(name));
  return command;
}

export function addServeOptions(command: Command): Command {
  addStoreOptions(command);
  const switches: ServeSettingName[] = [];
  for (const [name, setting] of serveSettings()) {
    if (STORE_SETTINGS.includes(name)) continue;
    command.addOption(serveSettingOption(name));
    if (isSwitch(setting)) switches.push(name);
  }
  // Commander turns a switch on (or `--no-demo` off) when its variable exists, whatever it says; hand
  // config.ts the variable's text instead, so PCAPI_METRICS=false means off.
  return command.hook('preAction', (thisCommand) => {
    for (const name of switches) {
      if (thisCommand.getOptionValueSource(name) === 'env') thisCommand.setOptionValueWithSource(name, process.env[SERVE_SETTINGS[name].env], 'env');
    }
  });
}
