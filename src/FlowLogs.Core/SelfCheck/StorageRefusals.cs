using System.Globalization;

namespace FlowLogs.SelfCheck;

/// <summary>
/// What a storage answer that is not a success means, in words that say what to fix. The error codes tell a role from
/// a firewall (Microsoft, "Troubleshoot 403 errors in Azure Blob Storage"): <c>AuthorizationPermissionMismatch</c> is
/// an identity without the data role (or a role whose condition excludes the resource), <c>AuthorizationFailure</c> a
/// request the account's network rules refused (public network access off, an address or network not allowed). Pure.
/// </summary>
internal static class StorageRefusals
{
    /// <summary>Why <paramref name="answer"/> (to a request on <paramref name="what"/>) is not a success; <paramref name="role"/> is the data role the request needs.</summary>
    public static string Explain(StorageAnswer answer, string what, string role)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return answer.Fault switch
        {
            StorageFault.Unreachable => $"{what}: no answer ({answer.Message})",
            StorageFault.NotConfigured => $"{what}: {answer.Message}",
            StorageFault.NoIdentity => $"{what}: no identity could sign in ({answer.Message}): sign in (az login), or give the app's identity (its clientId setting)",
            _ => answer.ErrorCode switch
            {
                "AuthorizationPermissionMismatch" => $"{what}: refused by role (AuthorizationPermissionMismatch): the identity needs {role} on it (role assignments can take minutes to apply)",
                "AuthorizationFailure" => $"{what}: refused by the account's firewall, not by a role (AuthorizationFailure): the account's network rules do not let this caller in",
                "KeyBasedAuthenticationNotPermitted" => $"{what}: the account allows no shared key (KeyBasedAuthenticationNotPermitted): give its blob endpoint (https://<account>.blob.<suffix>/) to sign in with an identity",
                "AuthenticationFailed" or "InvalidAuthenticationInfo" => $"{what}: the credentials were refused ({answer.ErrorCode}): the account key, SAS or token is wrong or expired",
                "AuthorizationSourceIPMismatch" => $"{what}: the SAS does not allow this caller's address (AuthorizationSourceIPMismatch)",
                "ContainerNotFound" or "TableNotFound" or "QueueNotFound" or "ResourceNotFound" => $"{what}: does not exist ({answer.ErrorCode})",
                { } code => string.Create(CultureInfo.InvariantCulture, $"{what}: answered {answer.Status} ({code})"),
                null => string.Create(CultureInfo.InvariantCulture, $"{what}: answered {answer.Status}"),
            },
        };
    }

    /// <summary>Whether the account's network rules refused the request (not a role).</summary>
    public static bool IsFirewall(StorageAnswer answer) => answer is { Fault: StorageFault.None, ErrorCode: "AuthorizationFailure" };

    /// <summary>Whether the resource does not exist.</summary>
    public static bool IsMissing(StorageAnswer answer) => answer is { Fault: StorageFault.None, Status: 404 };
}
