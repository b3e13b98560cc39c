/** The completion script of each shell, from one model of the commands. */
import {bashScript} from './bash.js'
import {fishScript} from './fish.js'
import type {CompletionModel} from './model.js'
import {zshScript} from './zsh.js'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

export function completionScript(shell: Shell, model: CompletionModel): string {
  switch (shell) {
    case 'bash':
      return bashScript(model)
    case 'zsh':
      return zshScript(model)
    case 'fish':
      return fishScript(model)
  }
}
