namespace Herald.Transport.RabbitMq;

/// <summary>The broker cannot take work now (not connected, or confirms did not arrive in time); the caller retries later.</summary>
public sealed class RabbitMqUnavailableException : Exception
{
    public RabbitMqUnavailableException()
    {
    }

    public RabbitMqUnavailableException(string message) : base(message)
    {
    }

    public RabbitMqUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
