using FlowLogs.Checkpoints;
using Microsoft.Extensions.Logging;

namespace FlowLogs.Processing;

/// <summary>
/// Renews a claim every third of its duration while the work on its blob goes on (a slow or throttling intake, a long
/// catch-up, many dead letters), and cancels the work when the claim is found taken or cannot be confirmed before it
/// would lapse: a holder never reads a blob another process may read too.
/// </summary>
internal sealed class ClaimRenewal : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ClaimRenewal(BlobClaims claims, BlobClaim held, TimeSpan duration, TimeProvider time, CancellationTokenSource work, ILogger logger)
        => _loop = RenewAsync(claims, held, duration, time, work, logger, _stop.Token);

    /// <summary>Starts renewing <paramref name="held"/>; <paramref name="work"/> is cancelled if the claim is lost.</summary>
    public static ClaimRenewal Start(BlobClaims claims, BlobClaim held, TimeSpan duration, TimeProvider time, CancellationTokenSource work, ILogger logger)
        => new(claims, held, duration, time, work, logger);

    /// <summary>Stops renewing (idempotent); the claim is then released, saved or abandoned by the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static async Task RenewAsync(BlobClaims claims, BlobClaim held, TimeSpan duration, TimeProvider time, CancellationTokenSource work, ILogger logger, CancellationToken stop)
    {
        // Renewed every third of the claim; not confirmed for two thirds, the work stops with a third still to spare.
        TimeSpan interval = duration / 3;
        TimeSpan limit = duration - interval;
        while (true)
        {
            try
            {
                await Task.Delay(interval, time, stop).ConfigureAwait(false);

                // A renewal stuck in storage retries must end while the claim still has its spare third.
                TimeSpan left = held.Confirmed + limit - time.GetUtcNow();
                if (left > TimeSpan.Zero && !held.IsReleased)
                {
                    using var deadline = new CancellationTokenSource(left < interval ? left : interval, time);
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
                    await claims.RenewAsync(held, duration, attempt.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage hiccups are retried at the next tick, as long as the claim has not run out meanwhile.
                ProcessingLog.RenewalFailed(logger, ex, held.Checkpoint.BlobName);
            }

            if (!held.IsLost && !held.IsReleased && time.GetUtcNow() - held.Confirmed >= limit)
            {
                ProcessingLog.ClaimUnconfirmed(logger, held.Checkpoint.BlobName, duration);
                held.MarkLost();
            }

            if (held.IsLost)
            {
                await work.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }
}
