/**
 * Kafka's kafka-streams-application-reset (StreamsResetter) over a store:
 * the app's committed offsets of its input topics go back (to the start
 * unless told otherwise), those of intermediate topics (the user's topics
 * the app both writes and reads) go to the end, its internal topics are
 * deleted (Kafka's internal-topic names: repartition, changelog and
 * foreign-key join topics) and its local state, `streams/<app>/`, wiped
 * (the saved topology description kept, so `stream describe` still
 * knows the app). A plan first; nothing changes unless it is executed,
 * and that is refused while the app's group has live members.
 */
import {existsSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {GroupNotEmptyError, NotFoundError} from '../../errors.js'
import {GroupAdmin, type ResetPlanRow, type ResetSpec} from '../../group/group-admin.js'
import type {Store} from '../../store/store.js'
import {APPLICATION_FILE, checkApplicationId, isInternalTopic, stateDir} from './streams-application.js'

export interface ResetOptions {
  inputTopics: string[]
  intermediateTopics: string[]
  /** Where the input topics go (default: their start). */
  spec?: ResetSpec
}

export interface ResetPlan {
  applicationId: string
  offsets: ResetPlanRow[]
  deleteTopics: string[]
  /** The state directory and the entries in it that go; null when there is none. */
  localState: {path: string; entries: string[]} | null
}

export class StreamsResetter {
  private readonly groups: GroupAdmin

  constructor(private readonly store: Store, private readonly onNotice?: (message: string) => void) {
    this.groups = new GroupAdmin(store, {onNotice})
  }

  plan(applicationId: string, options: ResetOptions): ResetPlan {
    checkApplicationId(applicationId)
    this.refuseWhileLive(applicationId)
    for (const t of [...options.inputTopics, ...options.intermediateTopics]) {
      if (!this.store.topicExists(t)) throw new NotFoundError(`topic ${t} does not exist`, {hint: 'name the topics the app reads: logpipe stream describe shows them'})
    }
    const offsets = [
      ...this.groups.planReset(applicationId, this.groups.resolvePartitions(applicationId, options.inputTopics), options.spec ?? {kind: 'earliest'}),
      ...this.groups.planReset(applicationId, this.groups.resolvePartitions(applicationId, options.intermediateTopics), {kind: 'latest'}),
    ]
    const deleteTopics = this.store.listTopics().filter((t) => isInternalTopic(applicationId, t)).sort()
    const dir = stateDir(this.store, applicationId)
    const entries = existsSync(dir) ? readdirSync(dir).filter((e) => e !== APPLICATION_FILE).sort() : []
    return {applicationId, offsets, deleteTopics, localState: entries.length > 0 ? {path: dir, entries} : null}
  }

  async execute(plan: ResetPlan): Promise<void> {
    this.refuseWhileLive(plan.applicationId)
    // The offsets first: executeReset checks for live members under the group's lock, so a member that just started stops the reset before anything is deleted.
    if (plan.offsets.length > 0) await this.groups.executeReset(plan.applicationId, plan.offsets)
    for (const t of plan.deleteTopics) if (this.store.topicExists(t)) this.store.deleteTopic(t)
    if (plan.localState) for (const e of plan.localState.entries) rmSync(join(plan.localState.path, e), {recursive: true, force: true})
  }

  private refuseWhileLive(applicationId: string): void {
    if (!this.groups.exists(applicationId)) return
    const members = this.groups.describeGroup(applicationId).members.length
    if (members > 0) {
      throw new GroupNotEmptyError(`cannot reset application ${applicationId}: its group has ${members} live member(s)`, {hint: 'stop every instance of the app first (Ctrl-C on `logpipe stream run`), then reset'})
    }
  }
}
