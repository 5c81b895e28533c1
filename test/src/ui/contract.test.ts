// The browser code mirrors the API's response types (it is compiled for the browser, apart from
// the server packages). This file fails to compile when an API answer stops fitting the UI's
// reading of it; the test itself only records that it compiled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Api from '@tcpx/query-api';
import type { GlossaryEntry as ApiGlossaryEntry } from '@tcpx/query-api/data/glossary';
import type { KflFieldInfo } from '@tcpx/query-api/kfl/index';
import type * as Ui from '@tcpx/web-ui/public/types';

/** Compiles only when an API value can be used where the UI expects its own type. */
type Fits<Answer extends Expected, Expected> = [Answer, Expected];

type Checked = [
  Fits<Api.FlowView, Ui.FlowView>,
  Fits<Api.FlowPage, Ui.FlowPage>,
  Fits<Api.PercentileResult, Ui.PercentileResult>,
  Fits<Api.SnapshotResult, Ui.SnapshotResult>,
  Fits<Api.DiagnoseResult, Ui.DiagnoseResult>,
  Fits<ApiGlossaryEntry, Ui.GlossaryEntry>,
  Fits<KflFieldInfo, Ui.KflField>,
  Fits<Api.RttMetric, Ui.RttMetric>,
  Fits<Api.RttGroupBy, Ui.RttGroupBy>,
];

test('the UI reads the API contract types (checked by the compiler)', () => {
  const checked: Checked['length'] = 9;
  assert.equal(checked, 9);
});
