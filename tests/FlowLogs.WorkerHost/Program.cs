// Placeholder replaced below.
return 0;
