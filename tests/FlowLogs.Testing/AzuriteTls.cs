using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FlowLogs.Testing;

/// <summary>
/// A self-signed certificate for 127.0.0.1, written as PEM files for Azurite's HTTPS mode; clients trust exactly this
/// certificate (in process with <see cref="Validate"/>, in a child process with <c>SSL_CERT_FILE</c> = <see cref="CertificatePemPath"/>); used by <see cref="HttpsAzuriteServer"/>.
/// </summary>
public sealed class AzuriteTls : IDisposable
{
    private readonly string _directory;
    private readonly X509Certificate2 _certificate;

    /// <summary>Creates the certificate and its files in a new temporary folder.</summary>
    public AzuriteTls()
    {
        _directory = Directory.CreateTempSubdirectory("flowlogs-tls-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        CertificatePemPath = Path.Combine(_directory, "cert.pem");
        KeyPemPath = Path.Combine(_directory, "key.pem");
        File.WriteAllText(CertificatePemPath, _certificate.ExportCertificatePem());
        File.WriteAllText(KeyPemPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The certificate with its private key, for a loopback server of a test (the loopback intake over https).</summary>
    public X509Certificate2 Certificate => _certificate;

    /// <summary>The certificate, PEM.</summary>
    public string CertificatePemPath { get; }

    /// <summary>Its private key, PEM (PKCS#8).</summary>
    public string KeyPemPath { get; }

    /// <summary>A server-certificate check that accepts this certificate only.</summary>
    public bool Validate(X509Certificate2? certificate) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(_certificate.RawData);

    /// <inheritdoc/>
    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
