/**
 * Kafka's EmitStrategy (KIP-825): when a windowed aggregation forwards.
 * onWindowUpdate (the default) forwards every update of a window;
 * onWindowClose forwards each window once, its final result, when stream
 * time passes its end plus the grace, with no suppress() buffer needed.
 */
export type StrategyType = 'ON_WINDOW_UPDATE' | 'ON_WINDOW_CLOSE'

export class EmitStrategy {
  private constructor(private readonly strategy: StrategyType) {}

  static onWindowUpdate(): EmitStrategy {
    return new EmitStrategy('ON_WINDOW_UPDATE')
  }

  static onWindowClose(): EmitStrategy {
    return new EmitStrategy('ON_WINDOW_CLOSE')
  }

  type(): StrategyType {
    return this.strategy
  }
}
