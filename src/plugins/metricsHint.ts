import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';

import { captureLive } from '../kernel/liveValues';
import { liveRequestFor } from '../notebook/cells';
import { isExperimentDrivePath } from '../tracking/store/drive';
import { SnapshotStatusModel } from '../widgets/snapshotStatusModel';

/**
 * How long after an execution the kernel is asked, so that running many
 * cells asks once, when they are done.
 */
const SETTLE_MS = 300;

/**
 * After cells of a notebook run, ask its kernel (once the kernel is idle,
 * at most once per burst of executions) for the current values of the
 * notebook's metrics, with the silent `user_expressions` request of the
 * snapshot (nothing runs in the user's namespace, nothing enters the
 * history): the status item then says whether they differ from the
 * newest experiment's.
 */
export function watchMetricChanges(
  tracker: INotebookTracker,
  status: SnapshotStatusModel
): void {
  const timers = new WeakMap<NotebookPanel, ReturnType<typeof setTimeout>>();
  NotebookActions.executed.connect((_, { notebook }) => {
    const panel = tracker.find(candidate => candidate.content === notebook);
    if (!panel || isExperimentDrivePath(panel.context.path)) {
      return;
    }
    clearTimeout(timers.get(panel));
    timers.set(
      panel,
      setTimeout(() => void Private.whenIdle(panel, status), SETTLE_MS)
    );
  });
}

namespace Private {
  /** Panels waiting for their kernel to become idle. */
  const waiting = new WeakSet<NotebookPanel>();

  /**
   * Ask the kernel now if it is idle, else when it next becomes idle.
   */
  export async function whenIdle(
    panel: NotebookPanel,
    status: SnapshotStatusModel
  ): Promise<void> {
    const session = panel.sessionContext;
    if (session.session?.kernel?.status !== 'idle') {
      if (waiting.has(panel)) {
        return;
      }
      waiting.add(panel);
      const onStatus = (): void => {
        if (session.session?.kernel?.status === 'idle') {
          session.statusChanged.disconnect(onStatus);
          waiting.delete(panel);
          void ask(panel, status);
        }
      };
      session.statusChanged.connect(onStatus);
      return;
    }
    await ask(panel, status);
  }

  /**
   * One request for the values of the notebook's metrics.
   */
  async function ask(
    panel: NotebookPanel,
    status: SnapshotStatusModel
  ): Promise<void> {
    const kernel = panel.sessionContext.session?.kernel;
    const model = panel.content.model;
    if (!kernel || !model || panel.isDisposed) {
      return;
    }
    const { metrics } = liveRequestFor(model.toJSON());
    if (metrics.length === 0) {
      return;
    }
    const path = panel.context.path;
    try {
      const live = await captureLive(kernel, { parameters: [], metrics });
      status.setKernelMetrics(path, live.metrics);
    } catch {
      // A busy or dead kernel: no hint rather than a wrong one.
    }
  }
}
