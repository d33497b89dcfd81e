package eventservice_test

// The cases of TiCDC's pkg/eventservice/*_test.go at b813e76f9 whose
// subject the model leaves out, each a skipped test saying what is left
// out, so that they stay visible and counted (package conformance, the
// table in docs/conformance.md). A reason that says "not modelled yet"
// names a mechanism issue 14 asks for; the others are deliberate
// omissions listed in this package's doc.go.

import "testing"

// TiCDC: pkg/eventservice/big_txn_metric_test.go TestBigTxnMetricTracker.
func TestTiCDCBigTxnMetricTracker(t *testing.T) {
	t.Skip("not modelled: metrics")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestScanRequestCoalescing.
func TestTiCDCScanRequestCoalescing(t *testing.T) {
	t.Skip("not modelled: the model's scans run whole and synchronously on the scan task under the broker's lock (no scan queue, scan states, coalescing, continuation or fast path)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestNoScanTaskDoesNotCreateActiveScanLifecycle.
func TestTiCDCNoScanTaskDoesNotCreateActiveScanLifecycle(t *testing.T) {
	t.Skip("not modelled: the model's scans run whole and synchronously on the scan task under the broker's lock (no scan queue, scan states, coalescing, continuation or fast path)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestGetOrSetChangefeedStatusInitializesFilter.
func TestTiCDCGetOrSetChangefeedStatusInitializesFilter(t *testing.T) {
	t.Skip("not modelled yet: the changefeed's filter (issue 14: tearing down a changefeed's status with its filter)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestNotifyFastPathSerializesRunningNotification.
func TestTiCDCNotifyFastPathSerializesRunningNotification(t *testing.T) {
	t.Skip("not modelled: the model's scans run whole and synchronously on the scan task under the broker's lock (no scan queue, scan states, coalescing, continuation or fast path)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestLowLatencyScanContinuationQueueFullRecoversOnNextNotify.
func TestTiCDCLowLatencyScanContinuationQueueFullRecoversOnNextNotify(t *testing.T) {
	t.Skip("not modelled: the bounded scan-task queue (the model asks for scans through an unbounded mailbox, so a continuation is never lost to a full queue)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestRunningNotifyParksAtSchemaBlock.
func TestTiCDCRunningNotifyParksAtSchemaBlock(t *testing.T) {
	t.Skip("not modelled: the schema store's DDL resolved ts and schema-blocked dispatchers (the upstream's resolved ts covers both)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestNotifyQueueFullWaitsForCapacity.
func TestTiCDCNotifyQueueFullWaitsForCapacity(t *testing.T) {
	t.Skip("not modelled: bounded scan and message queues (the model's are unbounded)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestInterruptedScanQueueFullRecoversOnNextNotify.
func TestTiCDCInterruptedScanQueueFullRecoversOnNextNotify(t *testing.T) {
	t.Skip("not modelled: bounded scan and message queues (the model's are unbounded)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestLowLatencySchemaBlockedQueueFullRetriesWithoutNotify.
func TestTiCDCLowLatencySchemaBlockedQueueFullRetriesWithoutNotify(t *testing.T) {
	t.Skip("not modelled: the schema store's DDL resolved ts and schema-blocked dispatchers (the upstream's resolved ts covers both)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestThroughputModeDoesNotParkSchemaBlockedDispatcher.
func TestTiCDCThroughputModeDoesNotParkSchemaBlockedDispatcher(t *testing.T) {
	t.Skip("not modelled: the schema store's DDL resolved ts and schema-blocked dispatchers (the upstream's resolved ts covers both)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestResetSchemaBlockedDispatcherRemovesOldEpoch.
func TestTiCDCResetSchemaBlockedDispatcherRemovesOldEpoch(t *testing.T) {
	t.Skip("not modelled: the schema store's DDL resolved ts and schema-blocked dispatchers (the upstream's resolved ts covers both)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestDoScanReleasesChangefeedQuotaOnDispatcherQuotaFailure.
func TestTiCDCDoScanReleasesChangefeedQuotaOnDispatcherQuotaFailure(t *testing.T) {
	t.Skip("not modelled: spending and releasing quota; a model scan only needs the quotas at the scan limit")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestDoScanReleasesChangefeedQuotaOnScanError.
func TestTiCDCDoScanReleasesChangefeedQuotaOnScanError(t *testing.T) {
	t.Skip("not modelled: spending and releasing quota; a model scan only needs the quotas at the scan limit")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestTableTriggerDispatcherMetricCount.
func TestTiCDCTableTriggerDispatcherMetricCount(t *testing.T) {
	t.Skip("not modelled: metrics")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestScanRangeCappedByScanWindow.
func TestTiCDCScanRangeCappedByScanWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestGetScanTaskDataRangeEmptyAfterCappingDoesNotResetScanRange.
func TestTiCDCGetScanTaskDataRangeEmptyAfterCappingDoesNotResetScanRange(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestGetScanTaskRequestKeepsRowCursorInsideShrunkWindow.
func TestTiCDCGetScanTaskRequestKeepsRowCursorInsideShrunkWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestGetScanTaskDataRangeEmptyAfterCappingWithPendingDDLEventUsesLocalWindow.
func TestTiCDCGetScanTaskDataRangeEmptyAfterCappingWithPendingDDLEventUsesLocalWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestGetScanTaskDataRangeEmptyAfterCappingWithPendingSyncPointCrossesSyncPoint.
func TestTiCDCGetScanTaskDataRangeEmptyAfterCappingWithPendingSyncPointCrossesSyncPoint(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestGetScanTaskDataRangeRingWaitWithThreeDispatchersCanAdvancePendingDDL.
func TestTiCDCGetScanTaskDataRangeRingWaitWithThreeDispatchersCanAdvancePendingDDL(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestHandleCongestionControlV2DoesNotResetScanIntervalOnMemoryRelease.
func TestTiCDCHandleCongestionControlV2DoesNotResetScanIntervalOnMemoryRelease(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestHandleCongestionControlV1DoesNotAdjustScanInterval.
func TestTiCDCHandleCongestionControlV1DoesNotAdjustScanInterval(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestDoScanKeepsRowLevelProgressAfterSendingFragment.
func TestTiCDCDoScanKeepsRowLevelProgressAfterSendingFragment(t *testing.T) {
	t.Skip("not modelled: row-level scan positions of an interrupted scan")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestRemoveDispatcherCleansUpSharedFilter.
func TestTiCDCRemoveDispatcherCleansUpSharedFilter(t *testing.T) {
	t.Skip("not modelled yet: the changefeed's filter (issue 14: tearing down a changefeed's status with its filter)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestDispatcherLifecycleCleansLargeTxnState.
func TestTiCDCDispatcherLifecycleCleansLargeTxnState(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestResetDispatcherQueueFullRecoversOnNextNotify.
func TestTiCDCResetDispatcherQueueFullRecoversOnNextNotify(t *testing.T) {
	t.Skip("not modelled: bounded scan and message queues (the model's are unbounded)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestResetDispatcherConcurrently.
func TestTiCDCResetDispatcherConcurrently(t *testing.T) {
	t.Skip("not modelled: TiCDC's concurrent RESETs and handshakes race on atomics; the model's broker handles one request at a time under its mutex")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestHandleResolvedTs.
func TestTiCDCHandleResolvedTs(t *testing.T) {
	t.Skip("not modelled: the bounded resolved-ts cache; the model's cache is unbounded, flushed by a timer and before any other message (doc.go)")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestSendHandshakeIfNeedConcurrency.
func TestTiCDCSendHandshakeIfNeedConcurrency(t *testing.T) {
	t.Skip("not modelled: TiCDC's concurrent RESETs and handshakes race on atomics; the model's broker handles one request at a time under its mutex")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerReturnsIteratorErrors.
func TestTiCDCEventScannerReturnsIteratorErrors(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScanner.
func TestTiCDCEventScanner(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerSpillsSplitUKUpdateInLargeTxn.
func TestTiCDCEventScannerSpillsSplitUKUpdateInLargeTxn(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerFlushesSpilledUKUpdateBeforeSameCommitDDL.
func TestTiCDCEventScannerFlushesSpilledUKUpdateBeforeSameCommitDDL(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerDrainsSpillBeforeFollowingSameCommitTxn.
func TestTiCDCEventScannerDrainsSpillBeforeFollowingSameCommitTxn(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestDrainLargeTxnInsertsStopsWhenDispatcherRemoved.
func TestTiCDCDrainLargeTxnInsertsStopsWhenDispatcherRemoved(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestDispatcherLargeTxnCleanupRetriesRemoveFailure.
func TestTiCDCDispatcherLargeTxnCleanupRetriesRemoveFailure(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerRetriesLargeTxnDrainAfterOpenError.
func TestTiCDCEventScannerRetriesLargeTxnDrainAfterOpenError(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerRetriesLargeTxnDrainAfterDecodeError.
func TestTiCDCEventScannerRetriesLargeTxnDrainAfterDecodeError(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerWithDeleteTable.
func TestTiCDCEventScannerWithDeleteTable(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventScannerWithDDL.
func TestTiCDCEventScannerWithDDL(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestDMLProcessor.
func TestTiCDCDMLProcessor(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestDMLProcessorAppendRow.
func TestTiCDCDMLProcessorAppendRow(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestScanSession.
func TestTiCDCScanSession(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestEventMerger.
func TestTiCDCEventMerger(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestScanAndMergeEventsSingleUKUpdate.
func TestTiCDCScanAndMergeEventsSingleUKUpdate(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestHasDDLAtLastCommitTs.
func TestTiCDCHasDDLAtLastCommitTs(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestCanInterrupt.
func TestTiCDCCanInterrupt(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestTxnEventSplit.
func TestTiCDCTxnEventSplit(t *testing.T) {
	t.Skip("not modelled: the event scanner's decoding, transaction splitting and merging; the model's upstream hands whole changes in commit order")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnInsertSpillReadOrder.
func TestTiCDCLargeTxnInsertSpillReadOrder(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnInsertSpillCreatesDir.
func TestTiCDCLargeTxnInsertSpillCreatesDir(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnInsertSpillCleanup.
func TestTiCDCLargeTxnInsertSpillCleanup(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnInsertSpillEmpty.
func TestTiCDCLargeTxnInsertSpillEmpty(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnInsertSpillValidationErrors.
func TestTiCDCLargeTxnInsertSpillValidationErrors(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnStateValidationErrors.
func TestTiCDCLargeTxnStateValidationErrors(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestCleanupLargeTxnInsertSpillFiles.
func TestTiCDCCleanupLargeTxnInsertSpillFiles(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnInsertSpillUsesEncryptionManager.
func TestTiCDCLargeTxnInsertSpillUsesEncryptionManager(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/large_txn_spill_test.go TestLargeTxnStateUsesOperationContext.
func TestTiCDCLargeTxnStateUsesOperationContext(t *testing.T) {
	t.Skip("not modelled: the spill of a large transaction's unique-key-update inserts and its files (the split itself is modelled: eventservice large_txn.go)")
}

// TiCDC: pkg/eventservice/metrics_collector_test.go TestCollectSlowestDispatchersByCheckpointTs.
func TestTiCDCCollectSlowestDispatchersByCheckpointTs(t *testing.T) {
	t.Skip("not modelled: metrics")
}

// TiCDC: pkg/eventservice/metrics_collector_test.go TestCollectSlowestDispatchersLessThan10.
func TestTiCDCCollectSlowestDispatchersLessThan10(t *testing.T) {
	t.Skip("not modelled: metrics")
}

// TiCDC: pkg/eventservice/metrics_collector_test.go TestDispatcherHeapItem.
func TestTiCDCDispatcherHeapItem(t *testing.T) {
	t.Skip("not modelled: metrics")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalLowPressureSlowsRecoveryForLargeWindow.
func TestTiCDCAdjustScanIntervalLowPressureSlowsRecoveryForLargeWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalVeryLowPressureSlowsRecoveryForVeryLargeWindow.
func TestTiCDCAdjustScanIntervalVeryLowPressureSlowsRecoveryForVeryLargeWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalHighPressureUsesBoundedReduction.
func TestTiCDCAdjustScanIntervalHighPressureUsesBoundedReduction(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalDoesNotKeepReducingAfterTransientHighPressure.
func TestTiCDCAdjustScanIntervalDoesNotKeepReducingAfterTransientHighPressure(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalCriticalPressure.
func TestTiCDCAdjustScanIntervalCriticalPressure(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalCriticalPressureIgnoresLowPressureHistory.
func TestTiCDCAdjustScanIntervalCriticalPressureIgnoresLowPressureHistory(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalCriticalPressureUsesDefaultFloor.
func TestTiCDCAdjustScanIntervalCriticalPressureUsesDefaultFloor(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalHighPressureDoesNotIncreaseBelowDefaultFloor.
func TestTiCDCAdjustScanIntervalHighPressureDoesNotIncreaseBelowDefaultFloor(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalCriticalPressureDoesNotIncreaseBelowDefaultFloor.
func TestTiCDCAdjustScanIntervalCriticalPressureDoesNotIncreaseBelowDefaultFloor(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalEmergencyPressureUsesModerateBrakeForSmallWindow.
func TestTiCDCAdjustScanIntervalEmergencyPressureUsesModerateBrakeForSmallWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestScanWindowEmergencyBrakeIntervalIsContinuousAtThirtySeconds.
func TestTiCDCScanWindowEmergencyBrakeIntervalIsContinuousAtThirtySeconds(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestScanWindowEmergencyBrakeIntervalUsesStrongBrakeForLargeWindow.
func TestTiCDCScanWindowEmergencyBrakeIntervalUsesStrongBrakeForLargeWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalEmergencyPressureUsesDefaultFloorForVerySmallWindow.
func TestTiCDCAdjustScanIntervalEmergencyPressureUsesDefaultFloorForVerySmallWindow(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalEmergencyPressureDoesNotImmediatelyDropBelowDefaultFloor.
func TestTiCDCAdjustScanIntervalEmergencyPressureDoesNotImmediatelyDropBelowDefaultFloor(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalEmergencyPressureDoesNotIncreaseBelowDefaultFloor.
func TestTiCDCAdjustScanIntervalEmergencyPressureDoesNotIncreaseBelowDefaultFloor(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalEmergencyPressureCanReachMinFloorWhenSustained.
func TestTiCDCAdjustScanIntervalEmergencyPressureCanReachMinFloorWhenSustained(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalRecoversFromFloorBeforeNormalIncreaseCooldown.
func TestTiCDCAdjustScanIntervalRecoversFromFloorBeforeNormalIncreaseCooldown(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestUpdateMemoryUsageDoesNotResetScanIntervalOnMemoryRelease.
func TestTiCDCUpdateMemoryUsageDoesNotResetScanIntervalOnMemoryRelease(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestUpdateMemoryUsageRecordsScanWindowObservationMetrics.
func TestTiCDCUpdateMemoryUsageRecordsScanWindowObservationMetrics(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestUpdateMemoryUsageRecordsScanWindowAdjustCount.
func TestTiCDCUpdateMemoryUsageRecordsScanWindowAdjustCount(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestUpdateMemoryUsageRecordsScanWindowTargetBandMetrics.
func TestTiCDCUpdateMemoryUsageRecordsScanWindowTargetBandMetrics(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalIncreaseWithJitteredSamples.
func TestTiCDCAdjustScanIntervalIncreaseWithJitteredSamples(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalReducesOnSustainedPressure.
func TestTiCDCAdjustScanIntervalReducesOnSustainedPressure(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalSustainedPressureDoesNotIncreaseBelowDefaultFloor.
func TestTiCDCAdjustScanIntervalSustainedPressureDoesNotIncreaseBelowDefaultFloor(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestAdjustScanIntervalDoesNotIncreaseBeforeCooldown.
func TestTiCDCAdjustScanIntervalDoesNotIncreaseBeforeCooldown(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestRefreshMinSentResolvedTsMinAndSkipRules.
func TestTiCDCRefreshMinSentResolvedTsMinAndSkipRules(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestRefreshMinSentResolvedTsStaleFallback.
func TestTiCDCRefreshMinSentResolvedTsStaleFallback(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestGetScanMaxTsFallbackInterval.
func TestTiCDCGetScanMaxTsFallbackInterval(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}

// TiCDC: pkg/eventservice/scan_window_test.go TestScanWindowDisabledSkipsAdjustmentAndCap.
func TestTiCDCScanWindowDisabledSkipsAdjustmentAndCap(t *testing.T) {
	t.Skip("not modelled: scan windows, scan-interval adjustment and the min sent resolved ts")
}
